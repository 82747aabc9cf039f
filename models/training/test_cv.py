"""Cross-validation plumbing: explicit validation stems, a run without validation, the
out-of-fold probability maps and the fold rule. Prints "cv ok" for
test/unit/training-smoke.test.ts.
Usage: /usr/bin/python3 models/training/test_cv.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

import cv_folds
import train
from dataset import split, synthetic_dataset


def check(cond: bool, message: str) -> None:
    if not cond:
        raise SystemExit(message)


def test_split() -> None:
    samples = synthetic_dataset(9, 64, 0)  # 6 labelled, 3 not
    default_train, default_val = split(samples, 2, 0)
    named = [s.stem for s in default_val]
    same_train, same_val = split(samples, 2, 0, named)
    check([s.stem for s in same_val] == named and [s.stem for s in same_train] == [s.stem for s in default_train],
          "naming the seed's own stems should give the seed's split")
    tr, val = split(samples, 3, 0, ["synthetic-4", "synthetic-1"])
    check([s.stem for s in val] == ["synthetic-1", "synthetic-4"], f"explicit stems, sorted: {[s.stem for s in val]}")
    check(len(tr) == 7, "every other image trains, labelled or not")
    tr, val = split(samples, 0, 0)
    check(val == [] and len(tr) == 9, "val_count 0 trains on everything")
    for bad in (["synthetic-8"], ["nope"]):  # unlabelled, unknown
        try:
            split(samples, 3, 0, bad)
        except ValueError:
            continue
        raise SystemExit(f"{bad} should be refused")


def test_folds() -> None:
    stems = [f"s{i:02d}" for i in range(13)]
    first = cv_folds.shipped_validation(stems)
    folds = cv_folds.make_folds(stems, first)
    check(list(folds) == ["A", "B", "C", "D"] and folds["A"] == sorted(first), f"folds {folds}")
    check([len(v) for v in folds.values()] == [3, 3, 3, 4], f"sizes {[len(v) for v in folds.values()]}")
    rest = [s for s in stems if s not in first]
    check(folds["B"] + folds["C"] + folds["D"] == rest, "B, C, D cut the sorted rest in order")


def test_runs() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # A run without validation: no validation record, no best.pt, best loss null.
        args = train.parse_args(["--smoke", "--out", os.path.join(tmp, "all")])
        args.val_count = 0
        train.train(args)
        with open(os.path.join(tmp, "all", "summary.json"), encoding="utf-8") as f:
            check(json.load(f)["best_val_loss"] is None, "a run without validation has best_val_loss null")
        check(not os.path.exists(os.path.join(tmp, "all", "best.pt")), "no best.pt without validation")
        with open(os.path.join(tmp, "all", "log.jsonl"), encoding="utf-8") as f:
            check(all(json.loads(line)["type"] != "val" for line in f), "no validation records")

        # A fold: named stems held out, their maps written as validation computes them.
        out, maps = os.path.join(tmp, "fold"), os.path.join(tmp, "maps")
        args = train.parse_args(["--smoke", "--val-stems", "synthetic-1,synthetic-3", "--out", out])
        args.val_side, args.val_maps = 0, maps
        result = train.train(args)
        with open(os.path.join(out, "config.json"), encoding="utf-8") as f:
            config = json.load(f)
        check(config["split"]["val"] == ["synthetic-1", "synthetic-3"] and config["split"]["rule"] == "--val-stems",
              f"split {config['split']}")
        _, val = split(synthetic_dataset(6, 128, 0), 0, 0, ["synthetic-1", "synthetic-3"])
        model = result["model"].eval()
        for s in val:
            with torch.no_grad():
                logits, _ = train.whole_image_logits(model, s, 0, torch.device("cpu"))
            expected = np.clip(np.round(torch.sigmoid(logits)[0].numpy() * 255), 0, 255).astype(np.uint8)
            for i, channel in enumerate(("mask", "marker")):
                got = np.asarray(Image.open(os.path.join(maps, channel, s.stem + ".png")))
                check(got.dtype == np.uint8 and got.shape == s.mask.shape, f"{channel}/{s.stem}: {got.dtype} {got.shape}")
                check(int(np.abs(got.astype(int) - expected[i]).max()) <= 1, f"{channel}/{s.stem} differs from validation")
        try:
            train.parse_args(["--val-maps", maps, "--val-side", "64", "--minutes", "1", "--out", out])
        except SystemExit:
            pass
        else:
            raise SystemExit("--val-maps with a centre-crop validation should be refused")


def main() -> int:
    torch.manual_seed(0)
    test_split()
    test_folds()
    test_runs()
    print("cv ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
