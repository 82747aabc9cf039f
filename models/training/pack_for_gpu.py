"""Packs the training-data contract small enough to travel to a GPU machine.

The device tool carries at most 64 MiB with the whole working tree, and the
stain-normalized PNGs are 75 MB; RGB images are re-encoded as JPEG quality 98
without chroma subsampling (labels, masks and manifest are copied unchanged).
Prints the size and the worst per-image PSNR so the loss of the re-encoding is on record.

  /usr/bin/python3 models/training/pack_for_gpu.py --data .cache/training-data --out .gpu/data
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

import numpy as np
from PIL import Image

JPEG_QUALITY = 98


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(os.path.join(args.data, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    os.makedirs(os.path.join(args.out, "images"), exist_ok=True)
    for sub in ("labels", "masks"):
        shutil.copytree(os.path.join(args.data, sub), os.path.join(args.out, sub), dirs_exist_ok=True)
    shutil.copy(os.path.join(args.data, "manifest.json"), os.path.join(args.out, "manifest.json"))
    total, worst = 0, float("inf")
    for entry in manifest["images"]:
        stem = entry["stem"]
        rgb = Image.open(os.path.join(args.data, "images", stem + ".png")).convert("RGB")
        out = os.path.join(args.out, "images", stem + ".jpg")
        rgb.save(out, "JPEG", quality=JPEG_QUALITY, subsampling=0)
        a = np.asarray(rgb, np.float64)
        b = np.asarray(Image.open(out).convert("RGB"), np.float64)
        psnr = 10 * np.log10(255 ** 2 / max(np.mean((a - b) ** 2), 1e-12))
        worst = min(worst, psnr)
        total += os.path.getsize(out)
    print(f"{len(manifest['images'])} images as JPEG q{JPEG_QUALITY} 4:4:4: {total / 2 ** 20:.1f} MiB, "
          f"worst PSNR {worst:.1f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
