"""Random training batches: crops, flips, 90-degree rotations, mild colour jitter.

Inputs are already stain-normalized, so the colour jitter is small: it covers what
normalization leaves (scanner brightness, residual hue), not stain variation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np

from dataset import Sample


@dataclass(frozen=True)
class Jitter:
    brightness: float = 0.1  # multiplicative, +-
    contrast: float = 0.1  # around the crop's mean, +-
    hue_turns: float = 0.02  # rotation about the grey axis, +- fraction of a full turn


def hue_rotation(turns: float) -> np.ndarray:
    """3x3 matrix rotating RGB about the grey axis (1,1,1) by `turns` of a full turn."""
    theta = 2 * np.pi * turns
    c, s = np.cos(theta), np.sin(theta)
    k = np.full((3, 3), (1 - c) / 3)
    cross = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]]) * (s / np.sqrt(3))
    return (np.eye(3) * c + k + cross).astype(np.float32)


def jitter_colour(image: np.ndarray, rng: np.random.Generator, jitter: Jitter) -> np.ndarray:
    """[H,W,3] float32 in [0,1] -> jittered copy, clipped to [0,1]."""
    x = image @ hue_rotation(rng.uniform(-jitter.hue_turns, jitter.hue_turns)).T
    x = x * (1 + rng.uniform(-jitter.brightness, jitter.brightness))
    mean = x.mean()
    x = (x - mean) * (1 + rng.uniform(-jitter.contrast, jitter.contrast)) + mean
    return np.clip(x, 0, 1)


def random_crop(sample: Sample, side: int, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One crop with a random dihedral transform: image [S,S,3] uint8, mask [S,S], marker [S,S] (zeros if unlabelled)."""
    h, w = sample.mask.shape
    if h < side or w < side:
        raise ValueError(f"{sample.stem}: image {h}x{w} is smaller than the crop {side}x{side}")
    y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    window = (slice(y, y + side), slice(x, x + side))
    planes = [sample.image[window], sample.mask[window]]
    planes.append(sample.marker[window] if sample.marker is not None else np.zeros((side, side), np.uint8))
    k, flip = int(rng.integers(0, 4)), bool(rng.integers(0, 2))
    out = []
    for p in planes:
        p = np.rot90(p, k, axes=(0, 1))
        out.append(np.ascontiguousarray(p[:, ::-1] if flip else p))
    return out[0], out[1], out[2]


def sample_batch(
    train: Sequence[Sample],
    batch: int,
    side: int,
    labelled_fraction: float,
    rng: np.random.Generator,
    jitter: Jitter = Jitter(),
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns x [B,3,S,S] float32 in [0,1], y [B,2,S,S] float32 (mask, marker), has_marker [B] bool.

    round(batch * labelled_fraction) crops come from labelled images (the only ones
    that teach the marker), the rest from unlabelled ones (or labelled, if none).
    """
    labelled = [s for s in train if s.has_labels]
    unlabelled = [s for s in train if not s.has_labels] or labelled
    n_lab = round(batch * labelled_fraction) if labelled else 0
    picks: List[Sample] = [labelled[int(rng.integers(len(labelled)))] for _ in range(n_lab)]
    picks += [unlabelled[int(rng.integers(len(unlabelled)))] for _ in range(batch - n_lab)]
    x = np.empty((batch, 3, side, side), np.float32)
    y = np.empty((batch, 2, side, side), np.float32)
    has_marker = np.empty(batch, bool)
    for i, s in enumerate(picks):
        image, mask, marker = random_crop(s, side, rng)
        x[i] = jitter_colour(image.astype(np.float32) / 255, rng, jitter).transpose(2, 0, 1)
        y[i, 0], y[i, 1] = mask, marker
        has_marker[i] = s.has_labels
    return x, y, has_marker
