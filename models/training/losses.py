"""USE-Net loss: 0.5 BCE + 0.5 soft Dice per output; the marker term only where labels exist."""

from __future__ import annotations

from typing import Tuple

import torch
import torch.nn.functional as F

DICE_EPS = 1.0


def bce_dice(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """0.5 * BCE + 0.5 * (1 - soft Dice); `logits` and `target` [N,H,W], Dice pooled over the batch.

    Pooling Dice over the batch keeps crops without nuclei from giving 0/0.
    """
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    dice = (2 * (p * target).sum() + DICE_EPS) / (p.sum() + target.sum() + DICE_EPS)
    return 0.5 * bce + 0.5 * (1 - dice)


def use_net_loss(
    logits: torch.Tensor, target: torch.Tensor, has_marker: torch.Tensor
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """logits, target [N,2,H,W] (mask, marker); has_marker [N] bool -> (total, mask term, marker term)."""
    if logits.shape != target.shape or logits.shape[1] != 2:
        raise ValueError(f"logits {tuple(logits.shape)} and target {tuple(target.shape)} must both be [N,2,H,W]")
    mask_loss = bce_dice(logits[:, 0], target[:, 0])
    if bool(has_marker.any()):
        marker_loss = bce_dice(logits[has_marker, 1], target[has_marker, 1])
    else:
        marker_loss = logits.new_zeros(())
    return mask_loss + marker_loss, mask_loss, marker_loss
