#!/usr/bin/env bash
# `report run baseline` against the paper's recipe in Keras (../shared/anchors), seed by seed.
#
# Usage: scripts/baseline-vs-keras.sh WORKDIR SEED [SEED ...]
#
# For each seed: trains `report run baseline --set seed=SEED` (resuming its run if an earlier
# session was cut off), then `keras_paper_training.py` with the same seed, both at the lowest
# priority, one after the other. Each finished side's epoch table lands in
# docs/measurements/baseline-vs-keras/ as report-SEED.csv or keras-SEED.csv, with a line in
# results.csv, so what has been measured survives the machine. A side already recorded there is
# skipped, so the script continues across sessions. Needs .build/release/report and the anchors'
# venv at /tmp/anchors (see ../shared/anchors/README.md); REPORT_BIN overrides the binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -ge 2 ] || { echo "usage: $0 WORKDIR SEED [SEED ...]" >&2; exit 2; }
work="$(mkdir -p "$1" && cd "$1" && pwd)"; shift
report="${REPORT_BIN:-$root/.build/release/report}"
python="${ANCHORS_PYTHON:-/tmp/anchors/bin/python}"
mnist="$root/../shared/data/mnist"
anchor="$root/../shared/anchors/keras_paper_training.py"
out="$root/docs/measurements/baseline-vs-keras"
mkdir -p "$out"
[ -f "$out/results.csv" ] ||
  echo "side,seed,test_accuracy,best_val_accuracy,best_epoch,epochs,first_lr_drop_after,minutes,cpu" \
    >"$out/results.csv"
cpu="$(lscpu | sed -n 's/^Model name: *//p;s/^CPU family: */family /p;s/^Model: */model /p' | tr '\n' ' ')$(grep -o 'avx512_bf16\|avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')"
log() { echo "$(date -u +%H:%M:%S) $*" | tee -a "$work/queue.log"; }

# The run folder of `report run baseline` for one seed under its own output root, if any.
run_folder() {
  find "$work/report-$1/runs/baseline" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -1 || true
}

report_side() {
  local seed=$1 started folder
  started=$(date +%s)
  folder=$(run_folder "$seed")
  if [ -n "$folder" ] && ! grep -q '"completed"' "$folder/summary.json" 2>/dev/null; then
    log "report seed $seed: resuming $folder"
    nice -n 19 "$report" resume "$folder" --output "$work/report-$seed" >>"$work/report-$seed.log" 2>&1
  else
    log "report seed $seed: training"
    nice -n 19 "$report" run baseline --set "seed=$seed" --output "$work/report-$seed" \
      >>"$work/report-$seed.log" 2>&1
  fi
  folder=$(run_folder "$seed")
  cp "$folder/metrics.csv" "$out/report-$seed.csv"
  "$python" - "$folder/summary.json" "$out/report-$seed.csv" "$seed" "$started" "$cpu" \
    >>"$out/results.csv" <<'EOF'
import csv, json, sys, time
summary, table, seed, started, cpu = sys.argv[1:]
s = json.load(open(summary)); rows = list(csv.DictReader(open(table)))
val = [float(r["val_accuracy"]) for r in rows]; lr = [float(r["learning_rate"]) for r in rows]
drop = next((i for i in range(1, len(lr)) if lr[i] < lr[0]), None)
best = max(range(len(val)), key=lambda i: val[i])
print(f"report,{seed},{s['test_accuracy']:.4f},{val[best]:.4f},{best + 1},{len(rows)},"
      f"{'' if drop is None else drop},{(time.time() - float(started)) / 60:.1f},{cpu}")
EOF
  log "report seed $seed: $(tail -1 "$out/results.csv" | cut -d, -f3-4)"
}

keras_side() {
  local seed=$1 started
  started=$(date +%s)
  log "keras seed $seed: training"
  nice -n 19 "$python" "$anchor" "$mnist" 12 "$seed" >"$work/keras-$seed.log" 2>&1
  "$python" - "$work/keras-$seed.log" "$out/keras-$seed.csv" "$seed" "$started" "$cpu" \
    >>"$out/results.csv" <<'EOF'
import re, sys, time
log, table, seed, started, cpu = sys.argv[1:]
text = open(log).read()
rows = re.findall(r"epoch (\d+): loss (\S+) acc (\S+) val_loss (\S+) val_acc (\S+) lr (\S+)", text)
test = re.search(r"keras test accuracy: (\S+)", text).group(1)
with open(table, "w") as f:
    f.write("epoch,loss,accuracy,val_loss,val_accuracy,learning_rate\n")
    f.writelines(",".join(r) + "\n" for r in rows)
val = [float(r[4]) for r in rows]; lr = [float(r[5]) for r in rows]
# Keras logs the rate after the epoch's callbacks: a drop logged at epoch k applies from k + 1.
drop = next((i + 1 for i in range(len(lr)) if lr[i] < 1e-3), None)
best = max(range(len(val)), key=lambda i: val[i])
print(f"keras,{seed},{float(test):.4f},{val[best]:.4f},{best + 1},{len(rows)},"
      f"{'' if drop is None else drop},{(time.time() - float(started)) / 60:.1f},{cpu}")
EOF
  log "keras seed $seed: $(tail -1 "$out/results.csv" | cut -d, -f3-4)"
}

for seed in "$@"; do
  [ -f "$out/report-$seed.csv" ] || report_side "$seed"
  [ -f "$out/keras-$seed.csv" ] || keras_side "$seed"
done
log "done: $*"
