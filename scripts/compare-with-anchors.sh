#!/usr/bin/env bash
# Measures `report bench` side by side with the paper's own stack (../shared/anchors): Keras on
# TensorFlow for training/inference speed and memory, matplotlib + seaborn for the figures.
# Rounds alternate between the two so both see the same machine load; medians and ratios at the end.
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
for augment in 0 1; do
  flag=""; [ "$augment" = 1 ] && flag="--augment"
  for r in $(seq "$rounds"); do
    /usr/bin/time -v .build/release/report bench --steps "$steps" --repeats 1 --json $flag > "$work/report-$augment-$r.json" 2> "$work/report-$augment-$r.time"
    /usr/bin/time -v "$venv/bin/python" "$anchors/keras_paper_model.py" data/mnist "$steps" 128 "$augment" > "$work/keras-$augment-$r.txt" 2> "$work/keras-$augment-$r.time"
  done
done
for r in $(seq "$rounds"); do
  /usr/bin/time -v "$venv/bin/python" "$anchors/matplotlib_paper_figures.py" data/mnist "$work/mpl" > "$work/mpl-$r.txt" 2> "$work/mpl-$r.time"
done
python3 - "$work" "$rounds" <<'PY'
import json, re, statistics, sys, glob
work, rounds = sys.argv[1], int(sys.argv[2])
def peak(path):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(path).read()); return int(m.group(1)) / 1024
def med(xs): return statistics.median(xs)
for augment in (0, 1):
    rep = [json.load(open(f"{work}/report-{augment}-{r}.json")) for r in range(1, rounds + 1)]
    ker = [open(f"{work}/keras-{augment}-{r}.txt").read() for r in range(1, rounds + 1)]
    kt = [float(re.search(r"= (\d+) img/s", k).group(1)) for k in ker]
    ki = [float(re.search(r"infer: (\d+) img/s", k).group(1)) for k in ker]
    rt = [x["train_images_per_second"] for x in rep]; ri = [x["inference_images_per_second"] for x in rep]
    rm = [peak(f"{work}/report-{augment}-{r}.time") for r in range(1, rounds + 1)]
    km = [peak(f"{work}/keras-{augment}-{r}.time") for r in range(1, rounds + 1)]
    print(f"augmentation {'on' if augment else 'off'} ({rounds} alternating rounds, medians; BLAS kernels {rep[0]['blas_core']}):")
    print(f"  training   report {med(rt):7.0f} img/s   keras {med(kt):7.0f} img/s   ratio {med(rt)/med(kt):.2f}x")
    print(f"  inference  report {med(ri):7.0f} img/s   keras {med(ki):7.0f} img/s   ratio {med(ri)/med(ki):.2f}x")
    print(f"  peak RSS   report {med(rm):7.0f} MiB     keras {med(km):7.0f} MiB     ratio {med(rm)/med(km):.2f}x")
rep = [json.load(open(f)) for f in sorted(glob.glob(f"{work}/report-*.json"))]
fig = med([x["figures_milliseconds"] for x in rep])
mpl = [float(re.search(r"in ([\d.]+)s", open(f"{work}/mpl-{r}.txt").read()).group(1)) * 1000 for r in range(1, rounds + 1)]
mm = [peak(f"{work}/mpl-{r}.time") for r in range(1, rounds + 1)]
print(f"figures: report {fig:.0f} ms for all 8 figures of a run; matplotlib+seaborn {med(mpl):.0f} ms for 4 (imports included), {med(mm):.0f} MiB")
PY
