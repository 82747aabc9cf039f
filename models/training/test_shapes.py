"""Shape test for every arch: [1,3,64,64] in [0,1] -> [1,2,64,64] probabilities.

Prints one JSON line per arch ({"arch", "shape", "parameters", "min", "max"}) for
test/unit/training-smoke.test.ts, and exits 1 on a wrong shape or range.
Usage: /usr/bin/python3 models/training/test_shapes.py [arch ...]
"""

from __future__ import annotations

import json
import sys

import torch

from model import ARCHS, build_model, count_parameters


def main(archs: list) -> int:
    torch.set_num_threads(2)
    torch.manual_seed(0)
    failed = False
    for arch in archs:
        model = build_model(arch).eval()
        with torch.no_grad():
            probs = model(torch.rand(1, 3, 64, 64))
        shape = list(probs.shape)
        lo, hi = float(probs.min()), float(probs.max())
        print(json.dumps({"arch": arch, "shape": shape, "parameters": count_parameters(model), "min": lo, "max": hi}))
        failed |= shape != [1, 2, 64, 64] or not (0 <= lo <= hi <= 1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or sorted(ARCHS)))
