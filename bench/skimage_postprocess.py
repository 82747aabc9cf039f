"""The scikit-image side of bench/postprocess-vs-skimage.ts: the same post-processing
recipes and the same scores (AJI v1.0, Dice, PQ, F1), written the way a Python user would
with scikit-image 0.19 / SciPy / NumPy, timed in this process.

Usage: skimage_postprocess.py DIR RUNS
DIR holds mask.u8 and marker.u8 (uint8, width*height), gt.i32 (int32 labels) and
shape.json ({"width": W, "height": H}), written by the TypeScript bench. Prints one JSON
object: per recipe, the run times in ms (post-processing + scoring) and the scores.
"""
import json
import sys
import time

import numpy as np
from scipy import ndimage as ndi
from skimage.measure import label
from skimage.morphology import remove_small_objects
from skimage.segmentation import relabel_sequential, watershed

CROSS = ndi.generate_binary_structure(2, 1)


def fill_holes(mask, max_area):
    """Background components (4-connected) not touching the border with area < max_area."""
    holes = label(~mask, connectivity=1)
    areas = np.bincount(holes.ravel())
    border = np.unique(np.concatenate([holes[0], holes[-1], holes[:, 0], holes[:, -1]]))
    fill = areas < max_area
    fill[border] = False
    fill[0] = False
    return mask | fill[holes]


def recipe_paper(m, k):
    mb = remove_small_objects(m > 25.5, 50, connectivity=2)
    kb = remove_small_objects(k > 25.5, 20, connectivity=2)
    seeds = label(kb, connectivity=2)
    ws = watershed((~kb).astype(np.uint8), seeds, connectivity=2, watershed_line=True)
    mb[ws == 0] = False
    mb = remove_small_objects(mb, 50, connectivity=2)
    mb = ~remove_small_objects(~mb, 100, connectivity=2)
    return ndi.grey_dilation(label(mb, connectivity=2), footprint=CROSS)


def recipe_default(m, k):
    mb = remove_small_objects(m > 25.5, 50, connectivity=2)
    mb = fill_holes(mb, 100)
    kb = remove_small_objects((k > 25.5) & mb, 20, connectivity=2)
    seeds = label(kb, connectivity=2)
    ws = watershed(255 - m, seeds, connectivity=2, mask=mb)
    orphans = label(mb & (ws == 0), connectivity=2)
    ws = np.where(orphans > 0, orphans + seeds.max(), ws)
    grown = ndi.grey_dilation(ws, footprint=CROSS)
    ws = np.where(ws == 0, grown, ws)
    return relabel_sequential(ws)[0]


def aji_matching(gt, pr):
    """The contingency table of AJI v1.0: every overlapping (GT, prediction) pair with its
    intersection and union, and `first`, the index of each GT's match (best IoU; ties: the
    smaller prediction id). Also the label areas and the ids present."""
    gt = gt.ravel().astype(np.int64)
    pr = pr.ravel().astype(np.int64)
    ga = np.bincount(gt)
    pa = np.bincount(pr)
    both = (gt > 0) & (pr > 0)
    key = gt[both] * (pa.size) + pr[both]
    keys, inter = np.unique(key, return_counts=True)
    g = keys // pa.size
    p = keys % pa.size
    union = ga[g] + pa[p] - inter
    iou = inter / union
    order = np.lexsort((p, -iou, g))
    first = order[np.r_[True, g[order][1:] != g[order][:-1]]] if order.size else order
    return {"g": g, "p": p, "inter": inter, "union": union, "iou": iou, "first": first, "ga": ga, "pa": pa,
            "gt_ids": np.flatnonzero(ga[1:]) + 1, "pr_ids": np.flatnonzero(pa[1:]) + 1}


def scores(gt, pr):
    t = aji_matching(gt, pr)
    g, p, inter, union, iou, first, ga, pa = (t[k] for k in ("g", "p", "inter", "union", "iou", "first", "ga", "pa"))
    gt_ids, pr_ids = t["gt_ids"], t["pr_ids"]
    # AJI v1.0: best IoU per GT, unmatched areas to the union.
    c = inter[first].sum()
    u = union[first].sum()
    matched_gt = np.zeros(ga.size, bool)
    matched_gt[g[first]] = True
    u += ga[gt_ids[~matched_gt[gt_ids]]].sum()
    used = np.zeros(pa.size, bool)
    used[p[first]] = True
    u += pa[pr_ids[~used[pr_ids]]].sum()
    aji = c / u if u else 1.0
    tp_mask = 2 * inter > union
    tp = int(tp_mask.sum())
    fp = pr_ids.size - tp
    fn = gt_ids.size - tp
    dq = tp / (tp + 0.5 * fp + 0.5 * fn) if (tp + fp + fn) else 1.0
    sq = iou[tp_mask].mean() if tp else 0.0
    dice = 2 * inter.sum() / (ga[1:].sum() + pa[1:].sum())
    return {"aji": float(aji), "dice": float(dice), "pq": float(dq * sq), "f1": float(dq), "nPred": int(pr_ids.size)}


def main():
    folder, runs = sys.argv[1], int(sys.argv[2])
    with open(f"{folder}/shape.json") as f:
        shape = json.load(f)
    hw = (shape["height"], shape["width"])
    m = np.fromfile(f"{folder}/mask.u8", np.uint8).reshape(hw)
    k = np.fromfile(f"{folder}/marker.u8", np.uint8).reshape(hw)
    gt = np.fromfile(f"{folder}/gt.i32", np.int32).reshape(hw)
    out = {}
    for name, recipe in (("paper", recipe_paper), ("default", recipe_default)):
        times = []
        result = None
        for _ in range(runs + 1):  # the first run warms caches and is not counted
            t0 = time.perf_counter()
            result = scores(gt, recipe(m, k))
            times.append((time.perf_counter() - t0) * 1000)
        out[name] = {"ms": times[1:], "scores": result}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
