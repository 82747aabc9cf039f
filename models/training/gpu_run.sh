#!/usr/bin/env bash
# One prepared training run on a lent GPU machine (the `device` tool): the paper's
# SE-ResNet-50 USE-Net trains for MINUTES (bf16 autocast, crops made by loader processes),
# then its last checkpoint leaves as compressed float16 parts (gpu_weights.py) and the logs
# as one tar, all in $OUT. Only one SE-ResNet-50 fits what comes back (64 MiB), so ARCHS
# holds one arch unless the others are small.
# Data: pack_for_gpu.py's folder, carried as .gpu. Run from the repository root:
#   MINUTES=8 bash models/training/gpu_run.sh
set -u
MINUTES=${MINUTES:-8}
DATA=${DATA:-.gpu/data}
DEVICE=${DEVICE:-cuda}
AMP=${AMP:-bf16}
WORKERS=${WORKERS:-12}
BATCH=${BATCH:-32}
ARCHS=${ARCHS:-se_resnet50}
RUNS=${RUNS:-/tmp/use-net-runs}
PYTHON=${PYTHON:-python3}  # the device machine's python3 holds PyTorch; here /usr/bin/python3
: "${OUT:?set OUT to the folder that comes back}"
mkdir -p "$RUNS"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1
  "$PYTHON" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'; nproc; } | tee "$RUNS/machine.txt"
pids=()
for arch in $ARCHS; do
  PYTHONUNBUFFERED=1 "$PYTHON" models/training/train.py --arch "$arch" --device "$DEVICE" --amp "$AMP" \
    --batch "$BATCH" --minutes "$MINUTES" --warmup-steps 100 --val-minutes 1 --checkpoint-minutes 3 \
    --log-every 200 --loader-workers "$WORKERS" --data "$DATA" --out "$RUNS/$arch" >"$RUNS/$arch.log" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || echo "a training process exited with $?"; done
for arch in $ARCHS; do
  echo "== $arch"; tail -n 8 "$RUNS/$arch.log"
  [ -f "$RUNS/$arch/last.pt" ] && "$PYTHON" models/training/gpu_weights.py split "$RUNS/$arch/last.pt" "$OUT" "$arch"
done
tar czf "$OUT/logs.tar.gz" -C "$RUNS" --exclude='*.pt' --exclude='*.tmp' .
ls -la "$OUT"
