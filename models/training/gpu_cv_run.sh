#!/usr/bin/env bash
# Cross-validated training of the shipped recipe on one lent GPU, in one device call: four fold
# models (cv_folds.py: A = the shipped model's validation stems, B, C, D = the other labelled
# stems) and a FINAL model on all 30 training images train at the same time, each on a wall-clock
# cosine schedule of MINUTES; the loader processes share the machine's cores. Each fold model then
# writes its held-out images' probability maps as validation computes them (train.py --val-maps).
# $OUT gets: oof-maps.tar (<fold>/mask|marker/<stem>.png, uint8 probability x 255), logs.tar.gz,
# final.partNN (the final model's last checkpoint, gpu_weights.py split) and, while what comes back
# stays under 60 MiB, foldA.partNN (to check fold A through the ONNX pipeline too).
# Data: pack_for_gpu.py's folder, carried as .gpu. From the repository root:
#   MINUTES=7 bash models/training/gpu_cv_run.sh
# Dry run on a CPU (proves the $OUT layout):
#   OUT=/tmp/cvout DEVICE=cpu AMP=none MINUTES=0.3 WORKERS=1 MAX_STEPS=2 bash models/training/gpu_cv_run.sh
set -u
MINUTES=${MINUTES:-7}
DATA=${DATA:-.gpu/data}
DEVICE=${DEVICE:-cuda}
AMP=${AMP:-bf16}
WORKERS=${WORKERS:-2}      # loader processes per training: 5 trainers + 5 x 2 workers on 16 cores
MAX_STEPS=${MAX_STEPS:-0}  # 0 = the time budget alone
TRAINING=${TRAINING:-models/training}
RUNS=${RUNS:-/tmp/use-net-cv}
EXTRA=${EXTRA:-}           # more train.py arguments for every run, e.g. "--aug strong"
PYTHON=${PYTHON:-python3}  # the device machine's python3 holds PyTorch; here /usr/bin/python3
: "${OUT:?set OUT to the folder that comes back}"
mkdir -p "$RUNS/oof"
t0=$(date +%s)
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1
  "$PYTHON" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'; nproc; } | tee "$RUNS/machine.txt"
"$PYTHON" "$TRAINING/cv_folds.py" --data "$DATA" | tee "$RUNS/folds.tsv"
common=(--arch se_resnet18 --device "$DEVICE" --amp "$AMP" --batch 8 --crop 256 --minutes "$MINUTES"
        --warmup-steps 50 --labelled-fraction 0.5 --val-minutes 1 --checkpoint-minutes 3 --log-every 500
        --threads 1 --loader-workers "$WORKERS" --max-steps "$MAX_STEPS" --data "$DATA")
# shellcheck disable=SC2206  # EXTRA is split into words on purpose
common+=($EXTRA)
# A GPU in an exclusive compute mode takes one process at a time: then the five run one after another.
mode=$(nvidia-smi --query-gpu=compute_mode --format=csv,noheader 2>/dev/null | head -n 1)
case "$mode" in *Exclusive*) echo "compute mode $mode: running one after another"; SERIAL=1 ;; *) SERIAL=${SERIAL:-0} ;; esac
pids=()
start() {  # name, then train.py's arguments for that run
  local name=$1; shift
  PYTHONUNBUFFERED=1 "$PYTHON" "$TRAINING/train.py" "${common[@]}" "$@" --out "$RUNS/$name" >"$RUNS/$name.log" 2>&1 &
  pids+=($!)
  if [ "$SERIAL" = 1 ]; then wait "$!" || echo "$name exited with $?"; fi
}
if [ "$SERIAL" = 1 ]; then common+=(--minutes "$(awk -v m="$MINUTES" 'BEGIN { print m / 5 }')"); fi
while IFS=$'\t' read -r fold stems; do
  start "fold$fold" --val-stems "$stems" --val-maps "$RUNS/oof/fold$fold"
done <"$RUNS/folds.tsv"
start final --val-count 0
for pid in "${pids[@]}"; do wait "$pid" || echo "a training process exited with $?"; done
echo "trainings done after $(( $(date +%s) - t0 )) s"
for run in foldA foldB foldC foldD final; do echo "== $run"; grep -E "^(val step|done|wrote|Traceback)" "$RUNS/$run.log" | tail -n 4; done
tar cf "$OUT/oof-maps.tar" -C "$RUNS/oof" .
# One file comes back at most 16 MiB: cut a larger tar (join with cat oof-maps.tar.part* > oof-maps.tar).
if [ "$(stat -c %s "$OUT/oof-maps.tar")" -gt $(( 16 * 1024 * 1024 )) ]; then
  split -b 15M -d "$OUT/oof-maps.tar" "$OUT/oof-maps.tar.part" && rm "$OUT/oof-maps.tar"
fi
[ -f "$RUNS/final/last.pt" ] && "$PYTHON" "$TRAINING/gpu_weights.py" split "$RUNS/final/last.pt" "$OUT" final
tar czf "$OUT/logs.tar.gz" -C "$RUNS" --exclude='*.pt' --exclude='*.tmp' --exclude=oof .
if [ -f "$RUNS/foldA/last.pt" ]; then
  mkdir -p "$RUNS/foldA-parts" && "$PYTHON" "$TRAINING/gpu_weights.py" split "$RUNS/foldA/last.pt" "$RUNS/foldA-parts" foldA
  have=$(du -cb "$OUT"/* | tail -n 1 | cut -f1); extra=$(du -cb "$RUNS/foldA-parts"/* | tail -n 1 | cut -f1)
  if [ $(( have + extra )) -lt $(( 60 * 1024 * 1024 )) ]; then cp "$RUNS/foldA-parts"/* "$OUT/"; else echo "foldA parts left here: $have + $extra bytes"; fi
fi
echo "all done after $(( $(date +%s) - t0 )) s"
ls -la "$OUT"
