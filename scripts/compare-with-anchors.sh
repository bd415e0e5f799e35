#!/usr/bin/env bash
# Measures `report bench` side by side with the paper's own stack and PyTorch (../shared/anchors):
# Keras on TensorFlow and PyTorch (fp32, and fp32 channels_last) for training/inference speed and
# memory, matplotlib + seaborn for the figures. Rounds alternate between them so all see the
# same machine load; medians, ratios and each one's fraction of the machine's FMA peak (which
# `report bench` measures) at the end.
# Each precision is compared in the same precision: fp32 with Keras's float32 policy and
# PyTorch fp32; bf16 (only on AVX-512 CPUs, where oneDNN has bf16 kernels) with
# KERAS_POLICY=mixed_bfloat16 and PyTorch's bf16 autocast, channels_last. PyTorch has no
# augmentation in its anchor, so its rows are in the augmentation-off tables only.
# To hold all three to AVX2 on an AVX-512 machine: ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2.
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
torch_venv=${TORCH_VENV:-/tmp/torch-anchor}
if [ ! -x "$torch_venv/bin/python" ]; then
  python3 -m venv "$torch_venv" && "$torch_venv/bin/pip" install -q torch numpy
fi
# REPORT_BIN measures an already-built binary instead of building .build/release/report.
report=${REPORT_BIN:-.build/release/report}
[ -n "${REPORT_BIN:-}" ] || swift build -c release >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
peak() { awk '/Maximum resident/ {printf "%.0f", $6 / 1024}' "$1"; }
precisions="fp32"
"$report" bench --precision bf16 --steps 1 --repeats 1 --json >/dev/null 2>&1 && precisions="fp32 bf16"
for precision in $precisions; do
  policy=float32; [ "$precision" = bf16 ] && policy=mixed_bfloat16
  for augment in 0 1; do
    flag=""; [ "$augment" = 1 ] && flag="--augment"
    for r in $(seq "$rounds"); do
      /usr/bin/time -v "$report" bench --precision "$precision" --steps "$steps" --repeats 1 --json $flag \
        > "$work/report-$precision-$augment-$r.json" 2> "$work/report-$precision-$augment-$r.time"
      KERAS_POLICY=$policy /usr/bin/time -v "$venv/bin/python" "$anchors/keras_paper_model.py" data/mnist "$steps" 128 "$augment" \
        > "$work/keras-$precision-$augment-$r.txt" 2> "$work/keras-$precision-$augment-$r.time"
      [ "$augment" = 1 ] && continue
      modes="fp32 fp32_cl"; [ "$precision" = bf16 ] && modes="bf16_cl"
      for mode in $modes; do
        /usr/bin/time -v "$torch_venv/bin/python" "$anchors/torch_paper_model.py" data/mnist "$steps" 128 "$mode" \
          > "$work/torch_$mode-$precision-$augment-$r.txt" 2> "$work/torch_$mode-$precision-$augment-$r.time"
      done
    done
  done
done
for r in $(seq "$rounds"); do
  /usr/bin/time -v "$venv/bin/python" "$anchors/matplotlib_paper_figures.py" data/mnist "$work/mpl" > "$work/mpl-$r.txt" 2> "$work/mpl-$r.time"
done
python3 - "$work" "$rounds" $precisions <<'PY'
import json, re, statistics, sys, glob
work, rounds, precisions = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
R = range(1, rounds + 1)
def peak(path):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(path).read()); return int(m.group(1)) / 1024
def med(xs): return statistics.median(xs)
def number(pattern, path): return float(re.search(pattern, open(path).read()).group(1))
for precision in precisions:
  for augment in (0, 1):
    tag = f"{precision}-{augment}"
    rep = [json.load(open(f"{work}/report-{tag}-{r}.json")) for r in R]
    gflops = med([x["peak"]["gigaflops"] for x in rep if "peak" in x] or [float("nan")])
    train_flops, infer_flops = rep[0]["train_flops_per_image"], rep[0]["inference_flops_per_image"]
    rows = [("report", [x["train_images_per_second"] for x in rep],
             [x["inference_images_per_second"] for x in rep],
             [peak(f"{work}/report-{tag}-{r}.time") for r in R])]
    policy = "mixed_bfloat16" if precision == "bf16" else "float32"
    rows.append((f"keras {policy}", [number(r"= (\d+) img/s", f"{work}/keras-{tag}-{r}.txt") for r in R],
                 [number(r"infer: (\d+) img/s", f"{work}/keras-{tag}-{r}.txt") for r in R],
                 [peak(f"{work}/keras-{tag}-{r}.time") for r in R]))
    for path in sorted(glob.glob(f"{work}/torch_*-{tag}-1.txt")):
      mode = path.split("/")[-1].split("-")[0]
      rows.append((f"torch {mode[6:]}", [number(r"= (\d+) img/s", f"{work}/{mode}-{tag}-{r}.txt") for r in R],
                   [number(r"warm, 2nd pass\): (\d+) img/s", f"{work}/{mode}-{tag}-{r}.txt") for r in R],
                   [peak(f"{work}/{mode}-{tag}-{r}.time") for r in R]))
    print(f"{precision}, augmentation {'on' if augment else 'off'} ({rounds} alternating rounds, medians; "
          f"{rep[0]['engine']} on {rep[0]['isa']}; FMA peak {gflops:.0f} GFLOP/s, "
          f"{rep[0].get('peak', {}).get('instructions', '?')}, {rep[0]['threads']} threads):")
    print(f"  {'':22}{'training':>10}{'of peak':>9}{'inference':>11}{'of peak':>9}{'peak RSS':>10}")
    for name, train, infer, memory in rows:
      t, i = med(train), med(infer)
      print(f"  {name:22}{t:8.0f}/s{t * train_flops / 1e9 / gflops:9.0%}{i:9.0f}/s"
            f"{i * infer_flops / 1e9 / gflops:9.0%}{med(memory):6.0f} MiB")
    best_train = max(rows[1:], key=lambda row: med(row[1]))
    best_infer = max(rows[1:], key=lambda row: med(row[2]))
    print(f"  report / fastest anchor: training {med(rows[0][1]) / med(best_train[1]):.2f}x ({best_train[0]}), "
          f"inference {med(rows[0][2]) / med(best_infer[2]):.2f}x ({best_infer[0]})")
if "bf16" not in precisions:
    print(f"bf16: not measured; oneDNN has no bf16 kernels on this CPU ({rep[0]['isa']})")
rep = [json.load(open(f)) for f in sorted(glob.glob(f"{work}/report-*.json"))]
fig = med([x["figures_milliseconds"] for x in rep])
mpl = [number(r"in ([\d.]+)s", f"{work}/mpl-{r}.txt") * 1000 for r in R]
mm = [peak(f"{work}/mpl-{r}.time") for r in R]
print(f"figures: report {fig:.0f} ms for all 8 figures of a run; matplotlib+seaborn {med(mpl):.0f} ms for 4 (imports included), {med(mm):.0f} MiB")
PY
