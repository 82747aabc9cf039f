"""The model card export.py writes is strict JSON whatever the run's validation did: a
run without validation (best loss still infinite) gets "bestValLoss": null, which Node's
JSON.parse reads, where Python's default would write Infinity, which it rejects.
Prints "export card ok" for test/unit/training-smoke.test.ts.
Usage: /usr/bin/python3 models/training/test_export_card.py
"""

from __future__ import annotations

import json
import math
import sys

import export


def card_for(best_val: float) -> dict:
    meta = {"arch": "se_resnet18", "step": 3, "elapsed_s": 1.0, "best_val": best_val, "config": {}}
    card = export.model_card("run", meta, 1, {"weights": "float16"}, {})
    # What export_all writes: it must not raise for any run.
    return json.loads(json.dumps(card, allow_nan=False))


def main() -> int:
    if card_for(math.inf)["training"]["bestValLoss"] is not None:
        print("a run without validation should have bestValLoss null")
        return 1
    if card_for(math.nan)["training"]["bestValLoss"] is not None:
        print("a NaN validation loss should be written as null")
        return 1
    if card_for(0.25)["training"]["bestValLoss"] != 0.25:
        print("a finite validation loss should be kept")
        return 1
    print("export card ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
