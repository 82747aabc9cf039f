"""PyTorch CPU side of bench/inference.ts: times the same network on the same input tensor.

  /usr/bin/python3 bench/torch_inference.py --card CARD.json --input X.f32 --shape N,3,H,W \
      --runs 5 --threads 2 [--checkpoint best.pt] --output Y.f32

The network is rebuilt in PyTorch from its source: the test fixture (arch "tiny-fixture")
from test/fixtures/make-tiny-usenet.py, a trained USE-Net from its train.py checkpoint with
BatchNorm folded (and weights rounded to float16 for an fp16-weight ONNX) as export.py does,
so both sides compute the same function. Prints JSON
{"cases": {name: [ms, ...]}, "torch": version, "threads": n} on stdout and writes the
output of the last run (float32, little-endian) for the agreement check.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time

import numpy as np
import torch

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "models", "training"))


def load_network(card: dict, checkpoint: str | None) -> torch.nn.Module:
    if card.get("arch") == "tiny-fixture":
        path = os.path.join(REPO, "test", "fixtures", "make-tiny-usenet.py")
        spec = importlib.util.spec_from_file_location("make_tiny_usenet", path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module.build().eval()
    if checkpoint is None:
        raise SystemExit(f"model {card.get('name')} ({card.get('arch')}): pass --checkpoint to rebuild it in PyTorch")
    from export import fold_batchnorm, load_checkpoint, round_weights_fp16

    model, _ = load_checkpoint(checkpoint)
    folded = fold_batchnorm(model)
    # An fp16-weight ONNX computes the folded network with weights rounded to float16.
    if (card.get("format") or {}).get("weights") == "float16":
        folded = round_weights_fp16(folded)
    return folded.eval()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--card", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--shape", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--checkpoint")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with open(args.card, encoding="utf-8") as f:
        card = json.load(f)
    net = load_network(card, args.checkpoint)
    shape = [int(s) for s in args.shape.split(",")]
    x = torch.from_numpy(np.fromfile(args.input, dtype="<f4").reshape(shape))
    cases = {}
    out = None
    for name, fmt in (("contiguous", torch.contiguous_format), ("channels_last", torch.channels_last)):
        model = net.to(memory_format=fmt)
        xin = x.contiguous(memory_format=fmt)
        times = []
        with torch.inference_mode():
            model(xin)  # warm-up, not counted
            for _ in range(args.runs):
                t0 = time.perf_counter()
                y = model(xin)
                times.append((time.perf_counter() - t0) * 1000)
        cases[name] = times
        if out is None:
            out = y.contiguous().numpy().astype("<f4")
    out.tofile(args.output)
    print(json.dumps({"cases": cases, "torch": torch.__version__, "threads": torch.get_num_threads()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
