"""scikit-image side of bench/measure-vs-skimage.ts.

Usage: skimage_measure.py DIR RUNS. DIR holds labels.i32 (raw little-endian int32) and
shape.json ({"width", "height"}). Prints JSON: {"ms": [...], "regions": [{label, area,
perimeter, centroid: [row, col], bbox: [r0, c0, r1, c1], eccentricity, orientation}, ...]}.
"""
import json
import sys
import time

import numpy as np
from skimage.measure import regionprops


def measure(labels):
    return [
        {
            "label": int(r.label),
            "area": float(r.area),
            "perimeter": float(r.perimeter),
            "centroid": [float(v) for v in r.centroid],
            "bbox": [int(v) for v in r.bbox],
            "eccentricity": float(r.eccentricity),
            "orientation": float(r.orientation),
        }
        for r in regionprops(labels)
    ]


def main():
    folder, runs = sys.argv[1], int(sys.argv[2])
    with open(f"{folder}/shape.json") as f:
        shape = json.load(f)
    labels = np.fromfile(f"{folder}/labels.i32", dtype="<i4").reshape(shape["height"], shape["width"])
    regions = measure(labels)  # warm-up, not counted
    ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        regions = measure(labels)
        ms.append((time.perf_counter() - t0) * 1000)
    json.dump({"ms": ms, "regions": regions}, sys.stdout)


if __name__ == "__main__":
    main()
