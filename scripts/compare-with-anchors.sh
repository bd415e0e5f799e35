#!/usr/bin/env bash
# Measures `report bench` side by side with the paper's own stack (../shared/anchors): Keras on
# TensorFlow for training/inference speed and memory, matplotlib + seaborn for the figures.
# Rounds alternate between the two so both see the same machine load; medians and ratios at the end.
# Each precision is compared with Keras in the same precision: fp32 with Keras's float32 policy,
# bf16 (only on AVX-512 CPUs, where oneDNN has bf16 kernels) with KERAS_POLICY=mixed_bfloat16.
# Usage: scripts/compare-with-anchors.sh [rounds=3] [steps=60]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
steps=${2:-60}
anchors=${ANCHORS_DIR:-../shared/anchors}
venv=${ANCHORS_VENV:-/tmp/anchors}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install -q tensorflow-cpu==2.21.0 matplotlib seaborn
fi
swift build -c release >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
peak() { awk '/Maximum resident/ {printf "%.0f", $6 / 1024}' "$1"; }
precisions="fp32"
.build/release/report bench --precision bf16 --steps 1 --repeats 1 --json >/dev/null 2>&1 && precisions="fp32 bf16"
for precision in $precisions; do
  policy=float32; [ "$precision" = bf16 ] && policy=mixed_bfloat16
  for augment in 0 1; do
    flag=""; [ "$augment" = 1 ] && flag="--augment"
    for r in $(seq "$rounds"); do
      /usr/bin/time -v .build/release/report bench --precision "$precision" --steps "$steps" --repeats 1 --json $flag \
        > "$work/report-$precision-$augment-$r.json" 2> "$work/report-$precision-$augment-$r.time"
      KERAS_POLICY=$policy /usr/bin/time -v "$venv/bin/python" "$anchors/keras_paper_model.py" data/mnist "$steps" 128 "$augment" \
        > "$work/keras-$precision-$augment-$r.txt" 2> "$work/keras-$precision-$augment-$r.time"
    done
  done
done
for r in $(seq "$rounds"); do
  /usr/bin/time -v "$venv/bin/python" "$anchors/matplotlib_paper_figures.py" data/mnist "$work/mpl" > "$work/mpl-$r.txt" 2> "$work/mpl-$r.time"
done
python3 - "$work" "$rounds" $precisions <<'PY'
import json, re, statistics, sys, glob
work, rounds, precisions = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def peak(path):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(path).read()); return int(m.group(1)) / 1024
def med(xs): return statistics.median(xs)
for precision in precisions:
  for augment in (0, 1):
    tag = f"{precision}-{augment}"
    rep = [json.load(open(f"{work}/report-{tag}-{r}.json")) for r in range(1, rounds + 1)]
    ker = [open(f"{work}/keras-{tag}-{r}.txt").read() for r in range(1, rounds + 1)]
    kt = [float(re.search(r"= (\d+) img/s", k).group(1)) for k in ker]
    ki = [float(re.search(r"infer: (\d+) img/s", k).group(1)) for k in ker]
    rt = [x["train_images_per_second"] for x in rep]; ri = [x["inference_images_per_second"] for x in rep]
    rm = [peak(f"{work}/report-{tag}-{r}.time") for r in range(1, rounds + 1)]
    km = [peak(f"{work}/keras-{tag}-{r}.time") for r in range(1, rounds + 1)]
    print(f"{precision}, augmentation {'on' if augment else 'off'} ({rounds} alternating rounds, medians; "
          f"{rep[0]['engine']} on {rep[0]['isa']}, Keras policy {'mixed_bfloat16' if precision == 'bf16' else 'float32'}):")
    print(f"  training   report {med(rt):7.0f} img/s   keras {med(kt):7.0f} img/s   ratio {med(rt)/med(kt):.2f}x")
    print(f"  inference  report {med(ri):7.0f} img/s   keras {med(ki):7.0f} img/s   ratio {med(ri)/med(ki):.2f}x")
    print(f"  peak RSS   report {med(rm):7.0f} MiB     keras {med(km):7.0f} MiB     ratio {med(rm)/med(km):.2f}x")
if "bf16" not in precisions:
    print(f"bf16: not measured; oneDNN has no bf16 kernels on this CPU ({rep[0]['isa']})")
rep = [json.load(open(f)) for f in sorted(glob.glob(f"{work}/report-*.json"))]
fig = med([x["figures_milliseconds"] for x in rep])
mpl = [float(re.search(r"in ([\d.]+)s", open(f"{work}/mpl-{r}.txt").read()).group(1)) * 1000 for r in range(1, rounds + 1)]
mm = [peak(f"{work}/mpl-{r}.time") for r in range(1, rounds + 1)]
print(f"figures: report {fig:.0f} ms for all 8 figures of a run; matplotlib+seaborn {med(mpl):.0f} ms for 4 (imports included), {med(mm):.0f} MiB")
PY
