"""Scores out-of-fold probability maps over a post-processing grid with the product's own CLI.

Every fold model's maps of its held-out images (gpu_cv_run.sh: <maps>/<fold>/mask|marker/<stem>.png,
uint8 probability x 255) are post-processed by `nucleilens postprocess` (folder mode) at each
setting of the grid and scored by `nucleilens eval --gt-xml` against the training XML outlines
(poly2mask, as everywhere). Writes the whole grid as JSON and prints, per setting, the mean AJI
over all images and per fold, then the setting with the best all-image mean and each fold's own best.

  npm run build
  /usr/bin/python3 models/training/cv_score.py --maps RUN/oof \
      --gt-xml ../shared/data/monuseg/train/annotations --out RUN/grid.json

The network is not run here: the sweep re-runs post-processing only (about 10 s per setting for
13 images on a 2-core CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.path.join(REPO, "cli", "dist", "main.js")


def floats(text: str) -> List[float]:
    return [float(t) for t in text.split(",") if t.strip()]


def ints(text: str) -> List[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def gather(maps: str, into: str) -> Dict[str, str]:
    """Links every fold's maps into into/mask and into/marker; returns stem -> fold."""
    fold_of: Dict[str, str] = {}
    for channel in ("mask", "marker"):
        os.makedirs(os.path.join(into, channel), exist_ok=True)
    for fold in sorted(os.listdir(maps)):
        if not os.path.isdir(os.path.join(maps, fold, "mask")):
            continue
        for name in sorted(os.listdir(os.path.join(maps, fold, "mask"))):
            stem = os.path.splitext(name)[0]
            if stem in fold_of:
                raise SystemExit(f"{stem} is held out by both {fold_of[stem]} and {fold}")
            for channel in ("mask", "marker"):
                src = os.path.join(maps, fold, channel, name)
                if not os.path.isfile(src):
                    raise SystemExit(f"missing {src}")
                os.symlink(os.path.abspath(src), os.path.join(into, channel, name))
            fold_of[stem] = fold
    if not fold_of:
        raise SystemExit(f"no <fold>/mask/*.png under {maps}")
    return fold_of


def node(args: Sequence[str]) -> str:
    r = subprocess.run(["node", CLI, *args], cwd=REPO, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"nucleilens {' '.join(args)} failed:\n{r.stdout}{r.stderr}")
    return r.stdout


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--maps", required=True, help="folder of <fold>/mask|marker/<stem>.png")
    ap.add_argument("--gt-xml", required=True, help="folder of the training XML outlines")
    ap.add_argument("--out", required=True, help="grid JSON to write")
    ap.add_argument("--recipes", default="paper,default")
    ap.add_argument("--mask-thresholds", default="0.2,0.3,0.4,0.5,0.6")
    ap.add_argument("--marker-thresholds", default="0.1,0.2,0.3,0.4,0.5")
    ap.add_argument("--dilate-radii", default="0,1")
    ap.add_argument("--elevations", default="",
                    help="surfaces the watershed floods, e.g. inverted-mask,marker-distance (default: each recipe's own)")
    args = ap.parse_args(argv)
    if not os.path.isfile(CLI):
        raise SystemExit(f"{CLI} missing: run npm run build first")

    work = tempfile.mkdtemp(prefix="cv-score-")
    try:
        fold_of = gather(args.maps, os.path.join(work, "maps"))
        folds = sorted(set(fold_of.values()))
        grid = []
        started = time.monotonic()
        elevations: List[Optional[str]] = [e for e in args.elevations.split(",") if e] or [None]
        settings = [(r, e, m, k, d) for r in args.recipes.split(",") for e in elevations for m in floats(args.mask_thresholds)
                    for k in floats(args.marker_thresholds) for d in ints(args.dilate_radii)]
        for i, (recipe, elevation, mt, kt, radius) in enumerate(settings):
            labels = os.path.join(work, "labels")
            shutil.rmtree(labels, ignore_errors=True)
            node(["postprocess", "--mask", os.path.join(work, "maps", "mask"), "--marker", os.path.join(work, "maps", "marker"),
                  "--out", labels, "--recipe", recipe, "--mask-threshold", str(mt), "--marker-threshold", str(kt),
                  "--dilate", str(radius), *(["--elevation", elevation] if elevation else [])])
            scores = json.loads(node(["eval", "--pred", labels, "--gt-xml", args.gt_xml, "--json"]))
            per_image = {row["image"]: row["aji"] for row in scores["images"]}
            if set(per_image) != set(fold_of):
                raise SystemExit(f"eval scored {sorted(per_image)}, expected {sorted(fold_of)}")
            point = {
                "recipe": recipe, **({"elevation": elevation} if elevation else {}), "maskThreshold": mt, "markerThreshold": kt, "dilateRadius": radius,
                "meanAji": mean(list(per_image.values())),
                "folds": {f: mean([a for s, a in per_image.items() if fold_of[s] == f]) for f in folds},
                "perImage": per_image,
            }
            grid.append(point)
            print(f"[{i + 1}/{len(settings)}] {recipe}{'/' + elevation if elevation else ''} mask>{mt} marker>{kt} dilate {radius}: mean AJI {point['meanAji']:.4f} "
                  + " ".join(f"{f} {a:.4f}" for f, a in point["folds"].items()), flush=True)
        best = max(grid, key=lambda g: g["meanAji"])
        fold_best = {f: max(grid, key=lambda g: g["folds"][f]) for f in folds}
        result = {
            "maps": args.maps, "gtXml": args.gt_xml, "folds": {f: sorted(s for s in fold_of if fold_of[s] == f) for f in folds},
            "grid": grid, "best": best,
            "foldBest": {f: {k: g[k] for k in ("recipe", "elevation", "maskThreshold", "markerThreshold", "dilateRadius") if k in g}
                            | {"aji": g["folds"][f]}
                         for f, g in fold_best.items()},
            "seconds": round(time.monotonic() - started, 1),
        }
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
        print(f"best over all {len(fold_of)} images: {best['recipe']}{'/' + best['elevation'] if 'elevation' in best else ''} mask>{best['maskThreshold']} marker>{best['markerThreshold']} "
              f"dilate {best['dilateRadius']}: mean AJI {best['meanAji']:.4f}; per fold "
              + ", ".join(f"{f} {a:.4f}" for f, a in best["folds"].items()))
        for f, g in result["foldBest"].items():
            print(f"{f} at its own best: {g['recipe']}{'/' + g['elevation'] if 'elevation' in g else ''} mask>{g['maskThreshold']} marker>{g['markerThreshold']} "
                  f"dilate {g['dilateRadius']}: {g['aji']:.4f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
