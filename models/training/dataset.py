"""Loads the training-data contract into memory and splits it.

Contract (written by the TypeScript side under .cache/training-data/):
  images/<stem>.png   stain-normalized RGB (or <stem>.jpg: pack_for_gpu.py's smaller copy)
  labels/<stem>.png   16-bit instance labels (0 = background), only where hasLabels
  masks/<stem>.png    8-bit binary nucleus masks (0/255), every image
  manifest.json       {"images": [{"stem", "hasLabels"}], "stainTarget", "createdBy"}

Everything is decoded once and kept as uint8 arrays; targets are computed once here,
so the training loop only crops and flips.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from targets import nucleus_mask, shape_marker


@dataclass
class Sample:
    stem: str
    image: np.ndarray  # [H,W,3] uint8 RGB
    mask: np.ndarray  # [H,W] uint8 {0,1}
    marker: Optional[np.ndarray]  # [H,W] uint8 {0,1}; None without instance labels

    @property
    def has_labels(self) -> bool:
        return self.marker is not None


def _read(path: str) -> Image.Image:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"training data file missing: {path}")
    return Image.open(path)


def image_path(root: str, stem: str) -> str:
    png = os.path.join(root, "images", stem + ".png")
    jpg = os.path.join(root, "images", stem + ".jpg")
    return jpg if not os.path.isfile(png) and os.path.isfile(jpg) else png


def load_sample(root: str, stem: str, has_labels: bool) -> Sample:
    image = np.asarray(_read(image_path(root, stem)).convert("RGB"), dtype=np.uint8)
    h, w = image.shape[:2]
    if has_labels:
        # 16-bit PNGs open as mode "I;16" or "I" depending on the writer.
        labels = np.asarray(_read(os.path.join(root, "labels", stem + ".png")), dtype=np.int32)
        if labels.shape != (h, w):
            raise ValueError(f"{stem}: labels {labels.shape} do not match image {(h, w)}")
        # The mask comes from the same labels so that marker is always inside mask.
        return Sample(stem, image, nucleus_mask(labels), shape_marker(labels))
    mask = np.asarray(_read(os.path.join(root, "masks", stem + ".png")).convert("L"))
    if mask.shape != (h, w):
        raise ValueError(f"{stem}: mask {mask.shape} does not match image {(h, w)}")
    return Sample(stem, image, (mask > 127).astype(np.uint8), None)


def load_dataset(root: str) -> Tuple[List[Sample], Dict[str, object]]:
    """Reads manifest.json and every listed image; returns samples in manifest order and the manifest."""
    with open(os.path.join(root, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    entries = manifest.get("images")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{root}/manifest.json: 'images' must be a non-empty list")
    samples = [load_sample(root, str(e["stem"]), bool(e["hasLabels"])) for e in entries]
    return samples, manifest


def seeded_holdout(labelled: Sequence[str], count: int, seed: int) -> List[str]:
    """The `count` stems `seed` holds out of the labelled ones (drawn from them in sorted order), sorted:
    the one rule behind the default validation split and cross-validation's fold A."""
    if count >= len(labelled):
        raise ValueError(f"cannot hold out {count} of {len(labelled)} labelled images")
    return sorted(random.Random(seed).sample(sorted(labelled), count))


def split(
    samples: Sequence[Sample], val_count: int, seed: int, val_stems: Optional[Sequence[str]] = None
) -> Tuple[List[Sample], List[Sample]]:
    """Holds out `val_count` labelled images, chosen from the stems in sorted order by `seed`,
    or exactly the labelled images named in `val_stems` (cross-validation folds).

    Validation uses labelled images only, so both outputs are scored; every other
    image (labelled or not) trains. `val_count` 0 (and no `val_stems`) trains on everything.
    """
    labelled = sorted(s.stem for s in samples if s.has_labels)
    if val_stems is not None:
        unknown = [s for s in val_stems if s not in labelled]
        if unknown:
            raise ValueError(f"validation stems not among the labelled images: {', '.join(unknown)}")
        if len(set(val_stems)) >= len(labelled):
            raise ValueError(f"cannot hold out {len(set(val_stems))} of {len(labelled)} labelled images")
        chosen = set(val_stems)
    else:
        chosen = set(seeded_holdout(labelled, val_count, seed))
    train = [s for s in samples if s.stem not in chosen]
    val = sorted((s for s in samples if s.stem in chosen), key=lambda s: s.stem)
    return train, val


def synthetic_dataset(count: int, side: int, seed: int) -> List[Sample]:
    """Pink background with dark-purple elliptical nuclei; the last third is unlabelled.

    Stands in for the real data in --smoke runs and tests, where only the
    plumbing matters.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side]
    samples: List[Sample] = []
    for i in range(count):
        labels = np.zeros((side, side), np.int32)
        for k in range(1, side * side // 300 + 2):
            cy, cx = rng.uniform(0, side, 2)
            ry, rx = rng.uniform(3, 9, 2)
            inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
            labels[inside & (labels == 0)] = k
        fg = labels > 0
        image = np.empty((side, side, 3), np.float32)
        image[...] = (0.93, 0.70, 0.82)
        image[fg] = (0.35, 0.20, 0.55)
        image += rng.normal(0, 0.03, image.shape).astype(np.float32)
        image = (np.clip(image, 0, 1) * 255).round().astype(np.uint8)
        labelled = i < count - count // 3
        marker = shape_marker(labels) if labelled else None
        samples.append(Sample(f"synthetic-{i}", image, nucleus_mask(labels), marker))
    return samples
