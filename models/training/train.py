"""Trains USE-Net on the training-data contract within a wall-clock budget.

  /usr/bin/python3 models/training/train.py --arch se_resnet18 --minutes 100 \
      --data .cache/training-data --out models/training/runs/r18
  /usr/bin/python3 models/training/train.py --out models/training/runs/r18 --resume
  /usr/bin/python3 models/training/train.py --smoke --out /tmp/smoke   # 3 steps + ONNX, for tests
  # on a GPU (gpu_run.sh wraps this for the device tool):
  python3 models/training/train.py --arch se_resnet50 --device cuda --amp bf16 --loader-workers 12 \
      --batch 32 --minutes 8 --data .gpu/data --out /tmp/runs/se_resnet50

Recipe: random crops with flips, 90-degree rotations and mild colour jitter (`--aug strong`
adds zoom, stain jitter and blur; tried once, not better: models/README.md); loss
0.5 BCE + 0.5 Dice per output (marker only on crops from labelled images); Adam at
1e-3 with a short warm-up and cosine decay over the *time* budget, so the schedule
finishes whatever the step rate. The paper used Adam at 1e-4 with step decay over 60
epochs (16-45 h on this CPU); 1e-3 with cosine decay trained well in about 80 minutes
here (/work/shared/TRAPS.md), so that is the default.

The out folder gets config.json (arguments, split, data, hardware), log.jsonl (train
and validation records), last.pt (every --checkpoint-minutes; resumable) and best.pt
(lowest validation loss).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import platform
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from augment import Jitter, Strong, sample_batch
from dataset import Sample, load_dataset, split, synthetic_dataset
from losses import use_net_loss
from model import ARCHS, INPUT_MEAN, INPUT_STD, SIDE_MULTIPLE, USENet, build_model, count_parameters

LR_NOTE = ("Adam 1e-3, cosine decay over the time budget (paper: 1e-4 with step decay over 60 epochs, "
           "16-45 h on a 2-core CPU; 1e-3 cosine measured to train well in ~80 min, TRAPS.md)")


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", default="se_resnet18", choices=sorted(ARCHS))
    ap.add_argument("--minutes", type=float, help="wall-clock budget; the LR schedule ends with it")
    ap.add_argument("--data", help="training-data folder (manifest.json, images/, labels/, masks/)")
    ap.add_argument("--out", help="run folder for checkpoints and logs")
    ap.add_argument("--resume", action="store_true", help="continue <out>/last.pt on its own schedule")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr", type=float, default=1e-5)
    ap.add_argument("--warmup-steps", type=int, default=50)
    ap.add_argument("--aug", default="basic", choices=("basic", "strong"),
                    help="basic: flips, rot90, colour jitter; strong: also zoom, HED stain jitter and blur (augment.Strong)")
    ap.add_argument("--labelled-fraction", type=float, default=0.5, help="share of each batch cropped from labelled images")
    ap.add_argument("--val-count", type=int, default=3,
                    help="labelled images held out for validation, drawn by --seed (0 = train on all, no validation)")
    ap.add_argument("--val-stems", help="comma-separated labelled stems to hold out instead of the --seed draw "
                                        "(a cross-validation fold)")
    ap.add_argument("--val-maps", help="after training, write the last model's probability maps of the validation "
                                       "images here (mask/ and marker/ uint8 PNGs, probability x 255)")
    ap.add_argument("--seed", type=int, default=0, help="fixes the validation split and the crop sampler")
    ap.add_argument("--val-minutes", type=float, default=10.0)
    ap.add_argument("--val-side", type=int, default=0, help="centre crop for validation; 0 = whole image")
    ap.add_argument("--checkpoint-minutes", type=float, default=5.0)
    ap.add_argument("--log-every", type=int, default=10, help="steps between progress lines")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads for torch")
    ap.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda")
    ap.add_argument("--amp", default="none", choices=("none", "bf16"),
                    help="bf16 autocast for the training step (CUDA; validation stays float32)")
    ap.add_argument("--loader-workers", type=int, default=0,
                    help="processes cropping batches ahead of the GPU (0 = in the training loop)")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps too (0 = time only)")
    ap.add_argument("--smoke", action="store_true", help="3 steps on 2 crops of 64x64, then ONNX export")
    args = ap.parse_args(argv)
    if args.smoke:
        args.batch, args.crop, args.max_steps, args.warmup_steps = 2, 64, 3, 1
        args.val_side, args.val_count, args.log_every = 64, 1, 1
        args.minutes = args.minutes or 5.0
        args.out = args.out or tempfile.mkdtemp(prefix="use-net-smoke-")
    if not args.out:
        ap.error("--out is required")
    if not args.resume and not args.minutes:
        ap.error("--minutes is required (or --resume)")
    if args.val_maps and args.val_side:
        ap.error("--val-maps needs whole-image validation (--val-side 0)")
    if args.crop % SIDE_MULTIPLE or args.val_side % SIDE_MULTIPLE:
        ap.error(f"--crop and --val-side must be multiples of {SIDE_MULTIPLE}")
    return args


def hardware(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)}; torch {torch.__version__}"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return f"{cpu}; {os.cpu_count()} logical CPUs; torch {torch.__version__} with {torch.get_num_threads()} threads"


def learning_rate(args: argparse.Namespace, step: int, elapsed_s: float) -> float:
    budget = args.minutes * 60
    progress = min(1.0, elapsed_s / budget)
    if args.max_steps:
        progress = max(progress, min(1.0, step / args.max_steps))
    cosine = args.min_lr + (args.lr - args.min_lr) * 0.5 * (1 + math.cos(math.pi * progress))
    return cosine * min(1.0, (step + 1) / max(1, args.warmup_steps))


def pad_to_multiple(x: torch.Tensor) -> torch.Tensor:
    h, w = x.shape[-2:]
    ph, pw = -h % SIDE_MULTIPLE, -w % SIDE_MULTIPLE
    return F.pad(x, (0, pw, 0, ph), mode="reflect") if ph or pw else x


def whole_image_logits(model: USENet, s: Sample, side: int, device: torch.device) -> tuple:
    """Validation's forward pass: the whole image reflect-padded to a multiple of 32 (or a centre crop of
    `side`), float32, eval mode. Returns (logits [1,2,H,W] cropped back to the window, the window)."""
    h, w = s.mask.shape
    y0, x0 = ((h - side) // 2, (w - side) // 2) if side else (0, 0)
    hh, ww = (side, side) if side else (h, w)
    window = (slice(y0, y0 + hh), slice(x0, x0 + ww))
    x = torch.from_numpy(s.image[window].astype(np.float32) / 255).permute(2, 0, 1)[None]
    x = pad_to_multiple(x).to(device).contiguous(memory_format=torch.channels_last)
    return model.logits(x)[..., :hh, :ww], window


def validate(model: USENet, val: Sequence[Sample], side: int, device: torch.device) -> Dict[str, float]:
    """Mean loss over the validation images (whole, reflect-padded to a multiple of 32, or a centre crop) and mask Dice at 0.5."""
    model.eval()
    totals = {"val_loss": 0.0, "val_mask_loss": 0.0, "val_marker_loss": 0.0, "val_mask_dice": 0.0}
    with torch.no_grad():
        for s in val:
            logits, window = whole_image_logits(model, s, side, device)
            target = torch.from_numpy(np.stack([s.mask[window], s.marker[window]]).astype(np.float32))[None].to(device)
            total, mask_loss, marker_loss = use_net_loss(logits, target, torch.ones(1, dtype=torch.bool, device=device))
            pred = (logits[:, 0] > 0).float()
            dice = float(2 * (pred * target[:, 0]).sum() / (pred.sum() + target[:, 0].sum()).clamp(min=1))
            for key, value in zip(totals, (float(total), float(mask_loss), float(marker_loss), dice)):
                totals[key] += value / len(val)
    model.train()
    return totals


def write_val_maps(model: USENet, val: Sequence[Sample], device: torch.device, out: str) -> List[str]:
    """The validation images' probabilities, computed as validate() does, as out/mask/<stem>.png and
    out/marker/<stem>.png: uint8, round(probability x 255), what `nucleilens postprocess` reads."""
    from PIL import Image

    for channel in ("mask", "marker"):
        os.makedirs(os.path.join(out, channel), exist_ok=True)
    written = []
    model.eval()
    with torch.no_grad():
        for s in val:
            logits, _ = whole_image_logits(model, s, 0, device)
            probs = torch.sigmoid(logits.float())[0].cpu().numpy()
            for i, channel in enumerate(("mask", "marker")):
                path = os.path.join(out, channel, s.stem + ".png")
                Image.fromarray(np.clip(np.round(probs[i] * 255), 0, 255).astype(np.uint8)).save(path)
                written.append(path)
    model.train()
    return written


def save_atomic(obj: Dict[str, Any], path: str) -> None:
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


class Log:
    def __init__(self, path: str) -> None:
        self.path = path

    def write(self, record: Dict[str, Any]) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


def load_data(args: argparse.Namespace) -> tuple:
    if args.data:
        samples, manifest = load_dataset(args.data)
        data_info = {"folder": args.data, "stainTarget": manifest.get("stainTarget"), "createdBy": manifest.get("createdBy")}
    else:
        if not args.smoke:
            raise SystemExit("--data is required outside --smoke")
        samples = synthetic_dataset(6, 128, args.seed)
        data_info = {"folder": None, "synthetic": True}
    val_stems = getattr(args, "val_stems", None)
    stems = [t.strip() for t in val_stems.split(",") if t.strip()] if val_stems else None
    train, val = split(samples, args.val_count, args.seed, stems)
    data_info.update({
        "images": len(samples), "labelled": sum(s.has_labels for s in samples),
        "unlabelledUse": "mask loss only",
    })
    split_info = {"seed": args.seed, "train": [s.stem for s in train], "val": [s.stem for s in val]}
    if stems is not None:
        split_info["rule"] = "--val-stems"
    return train, val, data_info, split_info


def recipe(args: argparse.Namespace) -> Dict[str, Any]:
    return {
        "loss": "per output 0.5 BCE + 0.5 soft Dice (batch-pooled); marker term only on crops from labelled images",
        "optimizer": "Adam", "lr": args.lr, "minLr": args.min_lr, "warmupSteps": args.warmup_steps,
        "schedule": "linear warm-up, then cosine decay over the wall-clock budget", "lrNote": LR_NOTE,
        "batch": args.batch, "crop": args.crop, "labelledFraction": args.labelled_fraction,
        "augmentation": {"flips": True, "rot90": True, "colourJitter": dataclasses.asdict(Jitter()),
                         **({"strong": dataclasses.asdict(Strong())} if strong_aug(args) else {})},
        "budgetMinutes": args.minutes, "threads": args.threads, "device": args.device, "memoryFormat": "channels_last",
        "amp": getattr(args, "amp", "none"), "loaderWorkers": getattr(args, "loader_workers", 0),
        "normalization": {"mean": list(INPUT_MEAN), "std": list(INPUT_STD)},
        "markerTarget": "per-instance erosion by disk r(area): 0 <=70 px, 1 <=120, 4 <=500, 6 above; 1-px cut between touching nuclei",
    }


def strong_aug(args: argparse.Namespace) -> Optional[Strong]:
    return Strong() if getattr(args, "aug", "basic") == "strong" else None


class CropStream(torch.utils.data.IterableDataset):
    """Endless training batches; each loader process draws from its own generator."""

    def __init__(self, train_set: Sequence[Sample], args: argparse.Namespace, seed: int) -> None:
        super().__init__()
        self.train_set, self.args, self.seed = train_set, args, seed

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([self.seed, info.id if info else 0])
        while True:
            x, y, has_marker = sample_batch(self.train_set, self.args.batch, self.args.crop, self.args.labelled_fraction, rng,
                                            strong=strong_aug(self.args))
            yield torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(has_marker)


def batch_stream(train_set: Sequence[Sample], args: argparse.Namespace, rng: np.random.Generator, step: int):
    """Batches from the loop's own generator (no workers: resumes reproduce the CPU run's crops) or from
    `--loader-workers` processes seeded by the run's seed and the step they start at, so the GPU never waits
    on NumPy cropping."""
    workers = getattr(args, "loader_workers", 0)
    if not workers:
        while True:
            x, y, has_marker = sample_batch(train_set, args.batch, args.crop, args.labelled_fraction, rng, strong=strong_aug(args))
            yield torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(has_marker)
    loader = torch.utils.data.DataLoader(CropStream(train_set, args, args.seed * 1_000_003 + step), batch_size=None,
                                         num_workers=workers, pin_memory=args.device.startswith("cuda"),
                                         prefetch_factor=4, persistent_workers=True)
    yield from loader


def train(args: argparse.Namespace) -> Dict[str, Any]:
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    last_path, best_path = os.path.join(args.out, "last.pt"), os.path.join(args.out, "best.pt")
    ckpt: Optional[Dict[str, Any]] = None
    if args.resume:
        ckpt = torch.load(last_path, map_location="cpu")
        saved = dict(ckpt["config"]["args"])
        for key in ("out", "resume", "threads", "device", "log_every"):
            saved[key] = getattr(args, key)
        saved["data"] = args.data or saved["data"]
        args = argparse.Namespace(**saved)
        print(f"resuming {last_path} at step {ckpt['step']}, {ckpt['elapsed_s'] / 60:.1f} of {args.minutes} min", flush=True)

    train_set, val_set, data_info, split_info = load_data(args)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed crop size: let cuDNN pick its fastest kernels once
    model = build_model(args.arch).to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    step, elapsed_prev, best_val = 0, 0.0, math.inf
    if ckpt is not None:
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        rng.bit_generator.state = ckpt["rng"]["numpy"]
        torch.set_rng_state(ckpt["rng"]["torch"])
        step, elapsed_prev, best_val = ckpt["step"], ckpt["elapsed_s"], ckpt["best_val"]
        if os.path.isfile(best_path):
            # best.pt may be newer than last.pt when the run stopped between checkpoints.
            best_val = min(best_val, torch.load(best_path, map_location="cpu")["best_val"])
        if ckpt["config"]["split"] != split_info:
            raise SystemExit("the data's validation split differs from the checkpoint's; resume with the same data")
    config = {
        "arch": args.arch, "parameters": count_parameters(model), "args": vars(args), "split": split_info,
        "data": data_info, "hardware": hardware(device), "recipe": recipe(args),
    }
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    log = Log(os.path.join(args.out, "log.jsonl"))
    if ckpt is not None:
        log.write({"type": "resume", "step": step, "elapsed_s": round(elapsed_prev, 1)})
    print(f"{args.arch}: {config['parameters']} parameters; {len(train_set)} training images "
          f"({sum(s.has_labels for s in train_set)} labelled), validation {split_info['val']}", flush=True)

    def checkpoint(path: str, with_optimizer: bool) -> None:
        obj = {"format": 1, "arch": args.arch, "model": model.state_dict(), "step": step, "elapsed_s": elapsed(),
               "best_val": best_val, "config": config,
               "rng": {"numpy": rng.bit_generator.state, "torch": torch.get_rng_state()}}
        if with_optimizer:
            obj["optimizer"] = optimizer.state_dict()
        save_atomic(obj, path)

    start = time.monotonic()

    def elapsed() -> float:
        return elapsed_prev + time.monotonic() - start

    budget_s = args.minutes * 60
    next_ckpt, next_val = elapsed() + args.checkpoint_minutes * 60, elapsed() + args.val_minutes * 60
    window: List[List[float]] = []  # [total, mask, marker] per step since the last progress line
    window_start, window_steps = time.monotonic(), 0
    last_loss = math.nan
    model.train()

    validated_step = -1
    batches = batch_stream(train_set, args, rng, step)
    autocast = (torch.autocast(device_type=device.type, dtype=torch.bfloat16) if getattr(args, "amp", "none") == "bf16"
                else contextlib.nullcontext())

    def run_validation() -> None:
        nonlocal best_val, validated_step
        if validated_step == step or not val_set:
            return
        validated_step = step
        v = validate(model, val_set, args.val_side, device)
        log.write({"type": "val", "step": step, "elapsed_s": round(elapsed(), 1), **v})
        improved = v["val_loss"] < best_val
        if improved:
            best_val = v["val_loss"]
            checkpoint(best_path, with_optimizer=False)
        print(f"val step {step}: loss {v['val_loss']:.4f} (mask {v['val_mask_loss']:.4f}, marker "
              f"{v['val_marker_loss']:.4f}), mask dice {v['val_mask_dice']:.4f}{' *best' if improved else ''}", flush=True)

    while elapsed() < budget_s and not (args.max_steps and step >= args.max_steps):
        lr = learning_rate(args, step, elapsed())
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y, has_marker = (t.to(device, non_blocking=True) for t in next(batches))
        with autocast:
            logits = model.logits(x.contiguous(memory_format=torch.channels_last))
        # The loss in float32: soft Dice sums over whole crops.
        total, mask_loss, marker_loss = use_net_loss(logits.float(), y, has_marker)
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()
        step += 1
        last_loss = float(total.detach())
        if not math.isfinite(last_loss):
            raise SystemExit(f"loss is {last_loss} at step {step}; stopping")
        window.append([last_loss, float(mask_loss.detach()), float(marker_loss.detach())])
        window_steps += 1
        if step % args.log_every == 0:
            rate = window_steps / (time.monotonic() - window_start)
            eta = (budget_s - elapsed()) / 60
            if args.max_steps:
                eta = min(eta, (args.max_steps - step) / rate / 60)
            mean_loss, mean_mask, mean_marker = (sum(col) / len(window) for col in zip(*window))
            print(f"step {step} loss {mean_loss:.4f} (mask {mean_mask:.4f} marker {mean_marker:.4f}) "
                  f"lr {lr:.2e} {rate:.2f} steps/s elapsed {elapsed() / 60:.1f} min ETA {max(eta, 0):.1f} min", flush=True)
            log.write({"type": "train", "step": step, "elapsed_s": round(elapsed(), 1), "loss": mean_loss,
                       "mask_loss": mean_mask, "marker_loss": mean_marker, "lr": lr, "steps_per_s": rate})
            window, window_start, window_steps = [], time.monotonic(), 0
        if elapsed() >= next_val:
            run_validation()
            next_val = elapsed() + args.val_minutes * 60
        if elapsed() >= next_ckpt:
            checkpoint(last_path, with_optimizer=True)
            next_ckpt = elapsed() + args.checkpoint_minutes * 60

    run_validation()
    checkpoint(last_path, with_optimizer=True)
    summary = {"steps": step, "minutes": round(elapsed() / 60, 2), "best_val_loss": best_val if math.isfinite(best_val) else None,
               "last_train_loss": last_loss}
    with open(os.path.join(args.out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2, allow_nan=False)
    if getattr(args, "val_maps", None) and val_set:
        written = write_val_maps(model, val_set, device, args.val_maps)
        print(f"wrote {len(written)} probability maps of {len(val_set)} validation images to {args.val_maps}", flush=True)
    print(f"done: {step} steps in {summary['minutes']} min; best val loss {best_val:.4f}; last loss {last_loss:.4f}", flush=True)
    return {"model": model, "summary": summary, "last": last_path, "best": best_path}


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    result = train(args)
    if args.smoke:
        from export import export_all, load_checkpoint

        model, meta = load_checkpoint(result["last"])
        onnx_path = os.path.join(args.out, "smoke.onnx")
        card = export_all(model, meta, onnx_path, fp16=True)
        print(f"smoke: loss {result['summary']['last_train_loss']:.6f}; onnx {onnx_path} "
              f"({card['format']['sizeBytes']} bytes)", flush=True)
    else:
        print(f"export with: /usr/bin/python3 models/training/export.py --checkpoint {result['best']} "
              f"--out models/<name>.onnx --fp16", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
