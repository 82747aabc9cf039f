"""Screens structural changes to the `default` post-processing recipe on out-of-fold maps.

Each variant changes one thing in bench/skimage_postprocess.py's `default` recipe (the same
recipe written with scikit-image; its baseline here reproduces the CLI's out-of-fold mean AJI)
and is scored with that file's AJI v1.0 against the training XML outlines, rasterized by
`nucleilens gt` (poly2mask). Only training images are read: the maps are each fold model's
held-out images (models/README.md, gpu_cv_run.sh), so no test or reference file is touched.

  npm run build
  /usr/bin/python3 models/training/recipe_screen.py --maps RUN/oof \
      --gt-xml ../shared/data/monuseg/train/annotations

Variant `merge-small-basins` (session 11) joins instances under 50 px to the neighbour they
share the longest border with; `split-marker-peaks` (session 11) splits each marker component
at its peaks of dynamic >= 0.1; `split-marker-necks` (session 11) at the necks of its
distance transform (h-maxima, h = 2 px). With --decompose, also where each variant loses (`loss_shares`). Prints the mean AJI of every variant at the grid's best setting (mask 0.5, marker 0.2, no
dilation) and at the USE-Net authors' (0.1, 0.1, 1 px dilation); about 10 s per variant and
setting for 13 images on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from typing import List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image
from scipy import ndimage as ndi
from skimage.measure import label
from skimage.morphology import h_maxima, remove_small_objects
from skimage.segmentation import relabel_sequential, watershed

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "bench"))
from skimage_postprocess import aji_matching, fill_holes, scores  # noqa: E402

CROSS = ndi.generate_binary_structure(2, 1)
SETTINGS: Tuple[Tuple[float, float, int], ...] = ((0.5, 0.2, 0), (0.1, 0.1, 1))
VARIANTS = ("recipe", "smooth", "mask+marker", "holes-per-nucleus", "drop-orphans", "hysteresis", "marker-in-mask", "flood-4", "merge-small-basins",
            "split-marker-peaks", "split-marker-necks")
EIGHT = ndi.generate_binary_structure(2, 2)


def holes_per_nucleus(labels: np.ndarray, max_area: int) -> np.ndarray:
    """Fills background components (4-connected) under max_area that touch one label only."""
    background = label(labels == 0, connectivity=1)
    edge = set(np.unique(np.concatenate([background[0], background[-1], background[:, 0], background[:, -1]])).tolist())
    areas = np.bincount(background.ravel())
    out = labels.copy()
    for index, box in enumerate(ndi.find_objects(background), start=1):
        if box is None or index in edge or areas[index] >= max_area:
            continue
        box = tuple(slice(max(0, s.start - 1), s.stop + 1) for s in box)
        hole = background[box] == index
        ring = ndi.binary_dilation(hole, CROSS) & ~hole
        around = np.unique(labels[box][ring])
        if around.size == 1 and around[0] != 0:
            out[box][hole] = around[0]
    return out


def merge_small_basins(labels: np.ndarray, min_area: int) -> np.ndarray:
    """Each label under min_area px that touches another (8-neighbours) joins the one it shares
    the longest border with (ties: the lower id); labels touching none stay. Smallest first."""
    out = labels.copy()
    areas = np.bincount(out.ravel())
    for index in np.argsort(areas, kind="stable"):
        if index == 0 or areas[index] == 0 or areas[index] >= min_area:
            continue
        ys, xs = np.nonzero(out == index)
        box = (slice(max(0, ys.min() - 1), ys.max() + 2), slice(max(0, xs.min() - 1), xs.max() + 2))
        own = out[box] == index
        ring = ndi.binary_dilation(own, EIGHT) & ~own
        around = out[box][ring]
        around = around[around != 0]
        if around.size == 0:
            continue
        counts = np.bincount(around)
        target = int(np.argmax(counts))
        out[box][own] = target
        areas[target] += areas[index]
        areas[index] = 0
    return out


def default_recipe(m: np.ndarray, k: np.ndarray, mask_t: float, marker_t: float, dilate: int, variant: str) -> np.ndarray:
    """bench/skimage_postprocess.py's recipe_default with thresholds, dilation and one variant."""
    if variant == "smooth":
        m = ndi.gaussian_filter(m, 1.0)
    mb = m > mask_t
    if variant == "marker-in-mask":
        mb |= k > marker_t
    if variant == "hysteresis":
        objects = label(mb, connectivity=2)
        peak = ndi.maximum(m, objects, np.arange(objects.max() + 1))
        keep = peak > max(0.5, mask_t + 0.3)
        keep[0] = False
        mb = keep[objects]
    mb = remove_small_objects(mb, 50, connectivity=2)
    mb = fill_holes(mb, 100)
    seed_mask = remove_small_objects((k > marker_t) & mb, 20, connectivity=2)
    seeds = label(seed_mask, connectivity=2)
    if variant == "split-marker-peaks":
        # Peaks of the marker standing >= 0.1 (26 of 255 levels) above their saddle seed one
        # part each of their component; a component with no such peak stays whole.
        k8 = np.round(k * 255).astype(np.uint8)
        peaks = label(h_maxima(k8, 26).astype(bool) & seed_mask, connectivity=2)
        parts = watershed(-k8.astype(np.int32), peaks, connectivity=2, mask=seed_mask)
        rest = label(seed_mask & (parts == 0), connectivity=2)
        seeds = np.where(rest > 0, rest + parts.max(), parts)
    if variant == "split-marker-necks":
        # Lobes of a marker component whose centres lie >= 2 px deeper than the neck between
        # them seed one part each; a component with one such centre stays whole.
        depth = ndi.distance_transform_edt(seed_mask)
        centres = label(h_maxima(depth, 2.0).astype(bool) & seed_mask, connectivity=2)
        parts = watershed(-depth, centres, connectivity=2, mask=seed_mask)
        rest = label(seed_mask & (parts == 0), connectivity=2)
        seeds = np.where(rest > 0, rest + parts.max(), parts)
    if variant == "mask+marker":
        elevation = np.round((2 - m - k) * 255).astype(np.int32)
    else:
        elevation = np.round((1 - m) * 255).astype(np.int32)
    ws = watershed(elevation, seeds, connectivity=1 if variant == "flood-4" else 2, mask=mb)
    if variant != "drop-orphans":
        orphans = label(mb & (ws == 0), connectivity=2)
        ws = np.where(orphans > 0, orphans + seeds.max(), ws)
    if variant == "holes-per-nucleus":
        ws = holes_per_nucleus(ws, 100)
    if variant == "merge-small-basins":
        ws = merge_small_basins(ws, 50)
    if dilate:
        ws = np.where(ws == 0, ndi.grey_dilation(ws, footprint=CROSS), ws)
    return relabel_sequential(ws)[0]


def loss_shares(gt: np.ndarray, pr: np.ndarray) -> np.ndarray:
    """The AJI v1.0 loss (union minus intersection) of one image, split as: boundary error of
    matches whose prediction no other nucleus chose, matches whose prediction two or more
    chose (merges), predictions no nucleus chose, and nuclei overlapping no prediction."""
    t = aji_matching(gt, pr)
    g, p, inter, union, first, ga, pa = (t[k] for k in ("g", "p", "inter", "union", "first", "ga", "pa"))
    gt_ids, pr_ids = t["gt_ids"], t["pr_ids"]
    chosen_gt = np.zeros(ga.size, bool)
    chosen_gt[g[first]] = True
    times = np.bincount(p[first], minlength=pa.size)
    loss = union[first] - inter[first]
    merged = times[p[first]] > 1
    return np.array([loss[~merged].sum(), loss[merged].sum(), pa[pr_ids[times[pr_ids] == 0]].sum(), ga[gt_ids[~chosen_gt[gt_ids]]].sum()], dtype=np.float64)


def load(maps: str, gt_xml: str, work: str) -> List[Tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """Every <fold>/mask|marker/<stem>.png under maps, with its ground truth from gt_xml."""
    if not os.path.isdir(maps):
        raise SystemExit(f"no folder {maps}")
    images = []
    for fold in sorted(os.listdir(maps)):
        folder = os.path.join(maps, fold, "mask")
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            stem = os.path.splitext(name)[0]
            m = np.asarray(Image.open(os.path.join(folder, name)), dtype=np.float64) / 255
            k = np.asarray(Image.open(os.path.join(maps, fold, "marker", name)), dtype=np.float64) / 255
            gt_png = os.path.join(work, stem + ".png")
            subprocess.run(["node", os.path.join(REPO, "cli", "dist", "main.js"), "gt", "--xml", os.path.join(gt_xml, stem + ".xml"),
                            "--width", str(m.shape[1]), "--height", str(m.shape[0]), "--out", gt_png], check=True, capture_output=True)
            images.append((stem, m, k, np.asarray(Image.open(gt_png)).astype(np.int64)))
    if not images:
        raise SystemExit(f"no <fold>/mask/*.png under {maps}")
    return images


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--maps", required=True, help="folder of <fold>/mask|marker/<stem>.png")
    ap.add_argument("--gt-xml", required=True, help="folder of the training XML outlines")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--decompose", action="store_true", help="also print where each variant's AJI loss lies")
    args = ap.parse_args(argv)
    variants = [v for v in args.variants.split(",") if v]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variant {unknown[0]}; known: {', '.join(VARIANTS)}")
    with tempfile.TemporaryDirectory() as work:
        images = load(args.maps, args.gt_xml, work)
    print(f"{len(images)} out-of-fold images")
    for mask_t, marker_t, dilate in SETTINGS:
        base: Optional[float] = None
        for variant in variants:
            aji = float(np.mean([scores(gt, default_recipe(m, k, mask_t, marker_t, dilate, variant))["aji"] for _, m, k, gt in images]))
            base = aji if variant == "recipe" else base
            gain = "" if base is None or variant == "recipe" else f"  ({aji - base:+.4f})"
            print(f"mask {mask_t} marker {marker_t} dilate {dilate}  {variant:18s} mean AJI {aji:.4f}{gain}", flush=True)
            if args.decompose:
                shares = sum(loss_shares(gt, default_recipe(m, k, mask_t, marker_t, dilate, variant)) for _, m, k, gt in images)
                parts = ", ".join(f"{name} {100 * v / shares.sum():.1f}%" for name, v in zip(("boundary", "merges", "unchosen predictions", "missed nuclei"), shares))
                print(f"    loss: {parts}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
