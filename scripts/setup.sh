#!/usr/bin/env bash
# Installs every system package `report` needs to build, test and run on a fresh Debian machine.
set -euo pipefail
packages=(
  pkg-config
  libdnnl-dev          # CDNNL: oneDNN, the neural-network engine's primitives
  libopenblas-dev      # CBLAS: sgemm for the reference engine it is tested against
  libcairo2-dev        # CCairo: figures
  libpng-dev           # PNG output and input for Cairo
  zlib1g-dev           # CZlib: gzip-compressed IDX files
  fonts-dejavu-core    # DejaVu Sans, the figures' typeface
  libsqlite3-dev       # the run index
  libpq-dev            # CPostgreSQL: libpq, the PostgreSQL run store (RunStorage)
  postgresql           # PostgreSQL 15 server: the PostgreSQL store's tests (scripts/services.sh)
  slurm-wlm            # sbatch and a one-node cluster: `report run --executor slurm` and its tests
  munge                # Slurm's authentication daemon (scripts/services.sh starts its own)
  dataset-fashion-mnist  # Fashion-MNIST under /usr/share/datasets/fashion-mnist
  time                 # GNU time: peak memory in scripts/compare-with-anchors.sh
  python3-venv         # the venv below: nbformat validates the Jupyter notebooks (--format ipynb)
  chromium             # the browser tests of `report serve` (Playwright) and scripts/screenshot.sh
)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup: system packages ready (${#packages[@]} checked, ${#missing[@]} installed)"
# The tests' outside judges, in one venv that .ci/run points REPORT_TEST_PYTHON at: Jupyter's own
# validator for the notebooks `--format ipynb` writes; Playwright, which drives Debian's chromium
# (above) through the pages of `report serve` (it downloads no browser of its own); ONNX's
# checker with ONNX Runtime, which load and run what `report export` writes; and cleanlab, whose
# confident learning judges the suspect labels of the error analysis.
venv="$(cd "$(dirname "$0")/.." && pwd)/.venv-tests"
if ! "$venv/bin/python" -c "import nbformat, playwright, onnx, onnxruntime, cleanlab" 2>/dev/null; then
  [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "nbformat>=5.10,<6" "playwright==1.65.2" \
    "onnx==1.23.2" "onnxruntime==1.32.0" "numpy==2.4.6" "cleanlab==2.9.0" \
    "scikit-learn==1.9.1" "scipy==1.17.1" "pandas==3.1.1"
fi
echo "setup: nbformat, playwright, onnx, onnxruntime and cleanlab ready in $venv"
