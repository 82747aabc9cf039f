"""Random training batches: crops, flips, 90-degree rotations, mild colour jitter, and
optionally (`Strong`) scale jitter, HED stain jitter and blur.

Inputs are already stain-normalized, so the colour jitter is small: it covers what
normalization leaves (scanner brightness, residual hue), not stain variation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from dataset import Sample


@dataclass(frozen=True)
class Jitter:
    brightness: float = 0.1  # multiplicative, +-
    contrast: float = 0.1  # around the crop's mean, +-
    hue_turns: float = 0.02  # rotation about the grey axis, +- fraction of a full turn


@dataclass(frozen=True)
class Strong:
    """Augmentation beyond the basic set, against the overfitting the short runs show.

    zoom: source window of side / zoom resized to the crop, zoom log-uniform in the range
    (nuclei sizes differ between organs more than between scans of one).
    stain: HED-light (Tellez et al., "Whole-slide mitosis detection in H&E breast histology
    using PHH3 as a reference to train distilled stain-invariant convolutional networks",
    IEEE TMI 2018): each Ruifrok stain concentration scaled by 1 +- stain_scale and shifted
    by +- stain_shift (optical density units).
    blur: Gaussian, sigma uniform in blur_sigma, with probability blur_p.
    """

    zoom: Tuple[float, float] = (0.8, 1.25)
    stain_scale: float = 0.05
    stain_shift: float = 0.05
    blur_p: float = 0.3
    blur_sigma: Tuple[float, float] = (0.3, 1.0)


# Ruifrok & Johnston's haematoxylin, eosin and DAB optical-density vectors (rows, unit length).
_RGB_FROM_HED = np.array([[0.65, 0.70, 0.29], [0.07, 0.99, 0.11], [0.27, 0.57, 0.78]], np.float64)
_RGB_FROM_HED /= np.linalg.norm(_RGB_FROM_HED, axis=1, keepdims=True)
_HED_FROM_RGB = np.linalg.inv(_RGB_FROM_HED)


def jitter_stain(image: np.ndarray, rng: np.random.Generator, strong: Strong) -> np.ndarray:
    """[H,W,3] float32 in [0,1] -> copy with its H, E and DAB concentrations jittered, in [0,1]."""
    scale = 1 + rng.uniform(-strong.stain_scale, strong.stain_scale, 3)
    shift = rng.uniform(-strong.stain_shift, strong.stain_shift, 3)
    # (od @ HED_FROM_RGB * scale + shift) @ RGB_FROM_HED, folded into one matrix and offset.
    matrix = (_HED_FROM_RGB * scale) @ _RGB_FROM_HED
    offset = shift @ _RGB_FROM_HED
    od = -np.log(np.clip(image, 1 / 255, 1))
    od = od.reshape(-1, 3) @ matrix.astype(np.float32) + offset.astype(np.float32)
    return np.clip(np.exp(-od), 0, 1).reshape(image.shape).astype(np.float32)


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """[H,W,C] float32 blurred separably by a Gaussian of `sigma` px (edges reflected)."""
    r = max(1, int(np.ceil(3 * sigma)))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k = (k / k.sum()).astype(np.float32)
    out = image
    for axis in (0, 1):
        padded = np.pad(out, [(r, r) if a == axis else (0, 0) for a in range(out.ndim)], mode="reflect")
        n = out.shape[axis]
        acc = np.zeros_like(out)
        for i, w in enumerate(k):
            acc += w * np.take(padded, np.arange(i, i + n), axis=axis)
        out = acc
    return out


def resize_to(plane: np.ndarray, side: int, nearest: bool) -> np.ndarray:
    """[S,S] or [S,S,C] -> [side,side(,C)]: pixel centres mapped linearly; bilinear or nearest."""
    src = plane.shape[0]
    pos = (np.arange(side) + 0.5) * (src / side) - 0.5
    if nearest:
        idx = np.clip(np.floor(pos + 0.5).astype(np.int64), 0, src - 1)
        return plane[idx][:, idx]
    i0 = np.clip(np.floor(pos).astype(np.int64), 0, src - 1)
    i1 = np.clip(i0 + 1, 0, src - 1)
    f = np.clip(pos - i0, 0, 1).astype(np.float32)
    p = plane.astype(np.float32)
    fy = f[:, None, None] if p.ndim == 3 else f[:, None]
    fx = f[None, :, None] if p.ndim == 3 else f[None, :]
    rows = p[i0] * (1 - fy) + p[i1] * fy
    return rows[:, i0] * (1 - fx) + rows[:, i1] * fx


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


def random_crop(sample: Sample, side: int, rng: np.random.Generator, zoom: float = 1.0) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One crop with a random dihedral transform: image [S,S,3], mask [S,S], marker [S,S] (zeros if unlabelled).

    With zoom != 1 a window of side / zoom source px is resized to side (image bilinear,
    float32 0..255; labels nearest, their own dtype); else the image stays uint8.
    """
    h, w = sample.mask.shape
    source = side if zoom == 1.0 else int(round(side / zoom))
    if h < source or w < source:
        raise ValueError(f"{sample.stem}: image {h}x{w} is smaller than the crop {source}x{source}")
    y, x = int(rng.integers(0, h - source + 1)), int(rng.integers(0, w - source + 1))
    window = (slice(y, y + source), slice(x, x + source))
    planes = [sample.image[window], sample.mask[window]]
    planes.append(sample.marker[window] if sample.marker is not None else np.zeros((source, source), np.uint8))
    if source != side:
        planes = [resize_to(planes[0], side, nearest=False)] + [resize_to(p, side, nearest=True) for p in planes[1:]]
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
    strong: Optional[Strong] = None,
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
        zoom = float(np.exp(rng.uniform(*np.log(strong.zoom)))) if strong else 1.0
        image, mask, marker = random_crop(s, side, rng, zoom)
        rgb = image.astype(np.float32) / 255
        if strong:
            rgb = jitter_stain(rgb, rng, strong)
            if rng.random() < strong.blur_p:
                rgb = gaussian_blur(rgb, float(rng.uniform(*strong.blur_sigma)))
        x[i] = jitter_colour(rgb, rng, jitter).transpose(2, 0, 1)
        y[i, 0], y[i, 1] = mask, marker
        has_marker[i] = s.has_labels
    return x, y, has_marker
