"""Moves a trained checkpoint off a GPU machine in pieces and puts it back together.

The device tool returns at most 8 files of 16 MiB, 64 MiB together; an SE-ResNet-50
USE-Net is 134 MiB in float32 and 67 MiB in float16. `split` keeps the weights as float16
(the ONNX export rounds them to float16 anyway, after folding BatchNorm), each tensor's
high and low bytes stored apart so that deflate finds the repeating sign/exponent bytes
(about 0.86 of the float16 size), in a NumPy .npz that Debian's PyTorch reads whatever
the GPU machine's version, cut into parts; `join` writes a checkpoint that
export.py and calibrate read like any train.py checkpoint (float32 tensors, no optimizer).

  python3 gpu_weights.py split RUN/last.pt OUTDIR NAME     # -> OUTDIR/NAME.part00 ...
  python3 gpu_weights.py join OUT.pt OUTDIR/NAME.part*
"""

from __future__ import annotations

import io
import json
import sys

import numpy as np
import torch

PART_BYTES = 15 * 2 ** 20


def split(checkpoint: str, out_dir: str, name: str) -> None:
    # PyTorch 2.6+ loads weights only by default; a train.py checkpoint also holds its config.
    ckpt = torch.load(checkpoint, map_location="cpu", weights_only=False)
    arrays = {}
    for key, tensor in ckpt["model"].items():
        t = tensor.detach().cpu()
        if t.is_floating_point():
            pairs = t.half().numpy().reshape(-1).view(np.uint8).reshape(-1, 2)  # little-endian: [low, high]
            arrays["lo:" + key], arrays["hi:" + key] = pairs[:, 0], pairs[:, 1]
            arrays["shape:" + key] = np.array(t.shape, np.int64)
        else:
            arrays[key] = t.numpy()
    meta = {k: ckpt[k] for k in ("arch", "step", "elapsed_s", "best_val", "config", "format")}
    arrays["__meta__"] = np.frombuffer(json.dumps(meta, default=str).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    data = buf.getvalue()
    for i in range(0, len(data), PART_BYTES):
        with open(f"{out_dir}/{name}.part{i // PART_BYTES:02d}", "wb") as f:
            f.write(data[i:i + PART_BYTES])
    print(f"{checkpoint}: {len(ckpt['model'])} tensors, {len(data) / 2 ** 20:.1f} MiB in {-(-len(data) // PART_BYTES)} parts")


def join(out: str, parts: list) -> None:
    data = b"".join(open(p, "rb").read() for p in sorted(parts))
    arrays = np.load(io.BytesIO(data))
    meta = json.loads(bytes(arrays["__meta__"]).decode())
    state = {}
    for k in arrays.files:
        if k.startswith("hi:"):
            key = k[3:]
            pairs = np.stack([arrays["lo:" + key], arrays[k]], axis=1).reshape(-1).view(np.float16)
            state[key] = torch.from_numpy(pairs.reshape(tuple(arrays["shape:" + key])).astype(np.float32))
        elif ":" not in k and k != "__meta__":
            state[k] = torch.from_numpy(np.array(arrays[k]))
    meta["weightsNote"] = "float16 weights from gpu_weights.py split"
    torch.save({**meta, "model": state}, out)
    print(f"{out}: {meta['arch']} step {meta['step']}, {len(state)} tensors")


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "split":
        split(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 4 and sys.argv[1] == "join":
        join(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
