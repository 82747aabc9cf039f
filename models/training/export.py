"""Exports a USE-Net checkpoint to ONNX, with a check fixture and a model-card skeleton.

  /usr/bin/python3 models/training/export.py --checkpoint models/training/runs/r18/best.pt \
      --out models/use-net-r18.onnx [--fp16]

Writes <out>.onnx, <out>.json (model card; thresholds left null for the tuning step)
and <out>.check.json (a fixed input and PyTorch's output for it, for the Node side's
ONNX-vs-PyTorch comparison: Debian has no python3-onnxruntime).

Graph: input `image` float32 [N,3,H,W] RGB in [0,1] (normalization is inside the
graph), output `probs` float32 [N,2,H,W] (mask, marker); N, H and W are dynamic,
H and W multiples of 32.

BatchNorm is folded into the convolutions in PyTorch before export, and with --fp16
every weight is rounded to float16 in PyTorch too; the ONNX file then stores the
exactly representable initializers as float16 behind Cast-to-float nodes. The
conversion is lossless, so the ONNX graph computes in float32 exactly what the
exported PyTorch module computes, and the check fixture stays valid to ~1e-6.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import os
import sys
import warnings
from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch
from torch import nn

from model import INPUT_MEAN, INPUT_STD, SIDE_MULTIPLE, USENet, build_model, count_parameters

OPSET = 17  # the highest Debian's torch 1.13 exports
CHECK_SIDE = 64
CHECK_TOLERANCE = 1e-4
MAX_FILE_BYTES = 40 * 1024 * 1024  # what the repository takes per file


def load_checkpoint(path: str) -> Tuple[USENet, Dict[str, Any]]:
    """Reads a train.py checkpoint (last.pt or best.pt) -> (model in eval mode, checkpoint without weights)."""
    ckpt = torch.load(path, map_location="cpu")
    model = build_model(ckpt["arch"])
    model.load_state_dict(ckpt["model"])
    model.eval()
    meta = {k: v for k, v in ckpt.items() if k not in ("model", "optimizer", "rng")}
    return model, meta


def fold_batchnorm(model: USENet) -> USENet:
    """Eval-mode copy with every Conv+BN pair folded into one Conv (same function, fewer ops)."""
    folded = copy.deepcopy(model).eval()
    for m in folded.modules():
        if isinstance(m, nn.Sequential) and len(m) == 2 and isinstance(m[0], nn.Conv2d) and isinstance(m[1], nn.BatchNorm2d):
            m[0] = torch.nn.utils.fusion.fuse_conv_bn_eval(m[0], m[1])
            m[1] = nn.Identity()
    return folded


def round_weights_fp16(model: nn.Module) -> nn.Module:
    """Copy whose parameters are rounded to float16 values (kept as float32 tensors)."""
    rounded = copy.deepcopy(model)
    with torch.no_grad():
        for p in rounded.parameters():
            p.copy_(p.half().float())
    return rounded


def check_input() -> torch.Tensor:
    """Fixed, smooth [1,3,64,64] input in [0.1, 0.9]: x = 0.5 + 0.4 sin(0.3 y + 0.2 x + 2.1 c)."""
    c, y, x = torch.meshgrid(
        torch.arange(3.0), torch.arange(float(CHECK_SIDE)), torch.arange(float(CHECK_SIDE)), indexing="ij"
    )
    return (0.5 + 0.4 * torch.sin(0.3 * y + 0.2 * x + 2.1 * c)).unsqueeze(0)


def initializers_to_fp16(path: str) -> int:
    """Rewrites float32 initializers that float16 holds exactly as float16 + Cast; returns how many."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph_model = onnx.load(path)
    graph = graph_model.graph
    casts = []
    kept = []
    converted = 0
    for init in graph.initializer:
        arr = numpy_helper.to_array(init)
        if arr.dtype == np.float32 and arr.size >= 16 and np.array_equal(arr.astype(np.float16).astype(np.float32), arr):
            half_name = init.name + "__fp16"
            kept.append(numpy_helper.from_array(arr.astype(np.float16), half_name))
            casts.append(helper.make_node("Cast", [half_name], [init.name], to=TensorProto.FLOAT))
            converted += 1
        else:
            kept.append(init)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(graph_model)
    onnx.save(graph_model, path)
    return converted


def export_onnx(model: USENet, path: str, fp16: bool) -> Tuple[nn.Module, Dict[str, Any]]:
    """Writes the ONNX file; returns the exact PyTorch module it computes and export facts."""
    exported = fold_batchnorm(model)
    if fp16:
        exported = round_weights_fp16(exported)
    exported = exported.to(memory_format=torch.contiguous_format).eval()
    dummy = torch.rand(1, 3, 2 * SIDE_MULTIPLE, 2 * SIDE_MULTIPLE)
    dims = {0: "batch", 2: "height", 3: "width"}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with warnings.catch_warnings():
        # torch 1.13 warns about prim::Constant shape inference for every export; harmless here.
        warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")
        torch.onnx.export(
            exported, dummy, path, input_names=["image"], output_names=["probs"],
            dynamic_axes={"image": dims, "probs": dims}, opset_version=OPSET, do_constant_folding=True,
        )
    converted = initializers_to_fp16(path) if fp16 else 0
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        # Not an error: a GPU user may want a large fp32 model; the repository may not.
        print(f"warning: {path} is {size / 2**20:.1f} MiB, over the {MAX_FILE_BYTES / 2**20:.0f} MiB that the "
              f"repository accepts{'' if fp16 else '; --fp16 halves it'}", file=sys.stderr)
    return exported, {"opset": OPSET, "weights": "float16" if fp16 else "float32", "fp16Initializers": converted, "sizeBytes": size}


def _b64(t: torch.Tensor) -> str:
    return base64.b64encode(t.detach().numpy().astype("<f4").tobytes()).decode("ascii")


def verify(original: USENet, exported: nn.Module, onnx_path: str, check_path: str) -> Dict[str, Any]:
    """Compares ONNX with PyTorch where onnxruntime exists; always writes the Node-side fixture."""
    x = check_input()
    with torch.no_grad():
        expected = exported(x)
        reference = original.eval()(x)
    report: Dict[str, Any] = {
        "input": "check fixture, [1,3,64,64]",
        "exportedVsTrainedMaxAbsDiff": float((expected - reference).abs().max()),
        "tolerance": CHECK_TOLERANCE,
    }
    try:
        import onnxruntime  # type: ignore[import-not-found]
    except ImportError:
        report["onnxVsPytorch"] = "not run in Python (no onnxruntime); the Node test compares against the fixture"
    else:
        session = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        got = session.run(["probs"], {"image": x.numpy()})[0]
        diff = float(np.abs(got - expected.numpy()).max())
        if diff >= CHECK_TOLERANCE:
            raise RuntimeError(f"ONNX and PyTorch differ by {diff:.3g} (>= {CHECK_TOLERANCE})")
        report["onnxVsPytorchMaxAbsDiff"] = diff
    fixture = {
        "onnx": os.path.basename(onnx_path),
        "tolerance": CHECK_TOLERANCE,
        "input": {"name": "image", "shape": list(x.shape), "dtype": "float32", "encoding": "base64 little-endian", "data": _b64(x)},
        "output": {"name": "probs", "shape": list(expected.shape), "dtype": "float32", "encoding": "base64 little-endian", "data": _b64(expected)},
    }
    with open(check_path, "w", encoding="utf-8") as f:
        json.dump(fixture, f)
    return report


def finite_or_none(x: Any) -> Optional[float]:
    """JSON has no Infinity or NaN (Node's JSON.parse rejects a card holding one): a run
    without validation keeps its best loss at infinity, and says so with null."""
    return float(x) if x is not None and np.isfinite(x) else None


def model_card(name: str, meta: Dict[str, Any], params: int, fmt: Dict[str, Any], verification: Dict[str, Any]) -> Dict[str, Any]:
    config = meta.get("config", {})
    return {
        "name": name,
        "file": name + ".onnx",
        "arch": meta["arch"],
        "parameters": params,
        "format": fmt,
        "input": {
            "name": "image", "layout": "NCHW", "dtype": "float32", "channels": "RGB", "range": [0, 1],
            "normalization": {"insideGraph": True, "mean": list(INPUT_MEAN), "std": list(INPUT_STD)},
            "sideMultiple": SIDE_MULTIPLE, "dynamicAxes": ["batch", "height", "width"],
        },
        "mppExpected": 0.25,
        "tile": 512,
        "halo": 64,
        "outputs": {
            "name": "probs", "shape": ["N", 2, "H", "W"], "dtype": "float32", "range": [0, 1],
            "channels": [{"index": 0, "name": "mask"}, {"index": 1, "name": "marker"}],
        },
        "training": {
            "data": config.get("data"),
            "images": config.get("split"),
            "steps": meta.get("step"),
            "minutes": round(float(meta.get("elapsed_s", 0.0)) / 60, 1),
            "bestValLoss": finite_or_none(meta.get("best_val")),
            "hardware": config.get("hardware"),
            "recipe": config.get("recipe"),
        },
        "verification": verification,
        # Filled by the post-processing tuning step, not by training.
        "thresholds": {"mask": None, "marker": None, "minMaskArea": None, "minMarkerArea": None, "recipe": None},
    }


def export_all(model: USENet, meta: Dict[str, Any], out: str, fp16: bool) -> Dict[str, Any]:
    """ONNX + check fixture + model card next to it; returns the card."""
    if not out.endswith(".onnx"):
        raise ValueError(f"--out must end with .onnx, got {out!r}")
    stem = out[: -len(".onnx")]
    exported, fmt = export_onnx(model, out, fp16)
    verification = verify(model, exported, out, stem + ".check.json")
    card = model_card(os.path.basename(stem), meta, count_parameters(model), fmt, verification)
    with open(stem + ".json", "w", encoding="utf-8") as f:
        json.dump(card, f, indent=2, allow_nan=False)
        f.write("\n")
    return card


def main(argv: Optional[list] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", required=True, help="train.py checkpoint (best.pt or last.pt)")
    ap.add_argument("--out", required=True, help="output .onnx path; card and check fixture go next to it")
    ap.add_argument("--fp16", action="store_true", help="store weights as float16 (computation stays float32)")
    args = ap.parse_args(argv)
    model, meta = load_checkpoint(args.checkpoint)
    card = export_all(model, meta, args.out, args.fp16)
    fmt, ver = card["format"], card["verification"]
    print(f"exported {args.out}: {fmt['sizeBytes'] / 2**20:.1f} MiB, {fmt['weights']} weights, opset {fmt['opset']}, "
          f"{card['parameters']} parameters, step {meta.get('step')}")
    print(f"exported-vs-trained max abs diff {ver['exportedVsTrainedMaxAbsDiff']:.3g}; "
          f"onnx check: {ver.get('onnxVsPytorchMaxAbsDiff', ver.get('onnxVsPytorch'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
