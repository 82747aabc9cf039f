"""Training targets of USE-Net: the nucleus mask and the shape marker.

Shape marker (Rahmon et al., AIPR 2021, DOI 10.1109/AIPR52630.2021.9762086, after
Kumar et al. 2017, DOI 10.1109/TMI.2017.2677499): every nucleus eroded by a disk
whose radius grows with the nucleus' area, so that markers of touching nuclei come
apart and the watershed gets one seed per nucleus.

Erosion is per instance: pixels of a *different* nucleus count as background, so two
touching nuclei erode away from each other. Nuclei of radius 0 (area <= 70 px) are
not eroded at all by the paper's rule; to keep touching small nuclei from merging
into one marker, every marker pixel that has an 8-neighbour in a different instance
is cleared as well (a one-pixel cut along shared borders only). Outside the image
counts as foreground (as MATLAB's imerode pads), so nuclei cut by the image border
are not eroded from that side.
"""

from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np
from scipy import ndimage

# (max area in px, disk radius): the paper's table; above the last bound, radius 6.
MARKER_RADII: Sequence[Tuple[int, int]] = ((70, 0), (120, 1), (500, 4))
MARKER_RADIUS_LARGE = 6


def marker_radius(area: int) -> int:
    """Erosion radius (px) for a nucleus of `area` pixels."""
    for bound, radius in MARKER_RADII:
        if area <= bound:
            return radius
    return MARKER_RADIUS_LARGE


def disk(radius: int) -> np.ndarray:
    """Boolean disk of the given radius, (2r+1)^2, as skimage.morphology.disk."""
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    return (xx * xx + yy * yy) <= radius * radius


def nucleus_mask(labels: np.ndarray) -> np.ndarray:
    """[H,W] integer instance labels (0 = background) -> [H,W] uint8 mask in {0, 1}."""
    return (labels > 0).astype(np.uint8)


def shape_marker(labels: np.ndarray) -> np.ndarray:
    """[H,W] integer instance labels (0 = background) -> [H,W] uint8 marker in {0, 1}.

    Does not modify `labels`.
    """
    if labels.ndim != 2:
        raise ValueError(f"labels must be 2-D [H,W], got shape {labels.shape}")
    labels = labels.astype(np.int64, copy=False)
    h, w = labels.shape
    marker = np.zeros((h, w), dtype=bool)
    boxes = ndimage.find_objects(labels)
    for index, box in enumerate(boxes):
        if box is None:
            continue
        lab = index + 1
        inst = labels[box] == lab
        radius = marker_radius(int(inst.sum()))
        if radius == 0:
            marker[box] |= inst
            continue
        # Pad the box by the radius with the true neighbourhood (background or other
        # nuclei = not this instance); only the image border itself pads as foreground.
        y0, y1 = max(box[0].start - radius, 0), min(box[0].stop + radius, h)
        x0, x1 = max(box[1].start - radius, 0), min(box[1].stop + radius, w)
        region = labels[y0:y1, x0:x1] == lab
        eroded = ndimage.binary_erosion(region, structure=disk(radius), border_value=1)
        marker[y0:y1, x0:x1] |= eroded & region
    # Clear marker pixels that touch a different instance (8-connectivity).
    above = int(labels.max()) + 1  # stands for background in the minimum
    lo = ndimage.minimum_filter(np.where(labels > 0, labels, above), size=3, mode="nearest")
    hi = ndimage.maximum_filter(labels, size=3, mode="nearest")
    touching = (labels > 0) & ((lo != labels) | (hi != labels))
    marker &= ~touching
    return marker.astype(np.uint8)
