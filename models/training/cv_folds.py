"""The cross-validation folds over the labelled training images, by a fixed rule.

Fold A is the shipped model's validation split (the 3 stems `train.py --seed 0` holds out), so
fold A's model trains on the same images as the shipped model and compares with it directly.
The other labelled stems, sorted, are cut in order into folds B, C, D of sizes as equal as
possible, the larger ones last (10 stems: 3, 3, 4). Nothing about the images chooses the cut.

  /usr/bin/python3 models/training/cv_folds.py --data .cache/training-data          # fold<TAB>stems,...
  /usr/bin/python3 models/training/cv_folds.py --data .gpu/data --fold B              # one fold's stems
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Dict, List, Optional, Sequence

from dataset import seeded_holdout

FOLD_NAMES = "ABCDEFGH"


def labelled_stems(data: str) -> List[str]:
    with open(os.path.join(data, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    return sorted(str(e["stem"]) for e in manifest["images"] if e["hasLabels"])


def make_folds(labelled: Sequence[str], first: Sequence[str], rest_folds: int = 3) -> Dict[str, List[str]]:
    """Fold A = `first`; the remaining stems, sorted, cut in order into `rest_folds` folds, sizes differing
    by at most one with the larger folds last."""
    missing = [s for s in first if s not in labelled]
    if missing:
        raise ValueError(f"fold A stems not labelled: {missing}")
    rest = sorted(s for s in labelled if s not in set(first))
    folds = {"A": sorted(first)}
    base, extra = divmod(len(rest), rest_folds)
    start = 0
    for i in range(rest_folds):
        size = base + (1 if i >= rest_folds - extra else 0)
        folds[FOLD_NAMES[i + 1]] = rest[start:start + size]
        start += size
    return folds


def shipped_validation(labelled: Sequence[str], count: int = 3, seed: int = 0) -> List[str]:
    """The stems dataset.split holds out by default (train.py --val-count 3 --seed 0)."""
    return seeded_holdout(labelled, count, seed)


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="training-data folder (manifest.json)")
    ap.add_argument("--fold", help="print only this fold's stems, comma-separated")
    args = ap.parse_args(argv)
    labelled = labelled_stems(args.data)
    folds = make_folds(labelled, shipped_validation(labelled))
    if args.fold:
        print(",".join(folds[args.fold]))
    else:
        for name, stems in folds.items():
            print(f"{name}\t{','.join(stems)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
