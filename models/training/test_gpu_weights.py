"""Round trip of gpu_weights.py: split a checkpoint into small parts, join them, and
check that every float tensor comes back as its float16 rounding and every other tensor
unchanged. Prints "gpu weights ok (N parts)" for test/unit/training-smoke.test.ts.
Usage: /usr/bin/python3 models/training/test_gpu_weights.py CHECKPOINT
"""

from __future__ import annotations

import glob
import os
import sys
import tempfile

import torch

import gpu_weights


def main(checkpoint: str) -> int:
    original = torch.load(checkpoint, map_location="cpu")["model"]
    with tempfile.TemporaryDirectory() as tmp:
        gpu_weights.PART_BYTES = 2 ** 20  # several parts even for a small network
        gpu_weights.split(checkpoint, tmp, "net")
        parts = glob.glob(os.path.join(tmp, "net.part*"))
        joined_path = os.path.join(tmp, "joined.pt")
        gpu_weights.join(joined_path, parts)
        joined = torch.load(joined_path, map_location="cpu")
    if sorted(joined["model"]) != sorted(original):
        print("tensor names differ")
        return 1
    for key, value in original.items():
        got = joined["model"][key]
        want = value.half().float() if value.is_floating_point() else value
        if got.shape != want.shape or got.dtype != want.dtype or not torch.equal(got, want):
            print(f"{key}: {tuple(got.shape)} {got.dtype} differs from {tuple(want.shape)} {want.dtype}")
            return 1
    if len(parts) < 2 or joined["arch"] != torch.load(checkpoint, map_location="cpu")["arch"]:
        print(f"expected several parts and the arch kept, got {len(parts)} parts")
        return 1
    print(f"gpu weights ok ({len(parts)} parts)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
