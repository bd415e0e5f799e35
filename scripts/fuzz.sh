#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader of outside data (the targets in Fuzzing/, one per
# reader): builds them with libFuzzer and AddressSanitizer, then runs each for SECONDS (default
# 600) from its seed corpus in Fuzzing/Corpus/<target>. Exits non-zero if any target crashes,
# hangs (one input over 20 s), leaks or runs out of memory (2 GB, or one allocation over it); the
# input that did it is saved as Fuzzing/Findings/<target>-<kind>-<hash>.
#
#   scripts/fuzz.sh [SECONDS] [TARGET ...]     # targets: ExperimentYAML IDX KaggleCSV DigitPNG
#                                              #          SafeTensors RunFolder (default: all)
# Replay one input: Fuzzing/.build/release/Fuzz<TARGET> FILE
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ExperimentYAML IDX KaggleCSV DigitPNG SafeTensors RunFolder)

# libFuzzer and AddressSanitizer come with the Swift toolchain (lib/swift/clang/lib/linux).
swift build -c release --package-path Fuzzing -Xswiftc -sanitize=fuzzer,address
bin="$(swift build -c release --package-path Fuzzing --show-bin-path)"

# FUZZ_WORK keeps the logs and grown corpora in a directory of your choosing.
if [ -n "${FUZZ_WORK:-}" ]; then
  work="$FUZZ_WORK"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p Fuzzing/Findings
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t/corpus" "$work/$t/tmp"
  log="$work/$t/log"
  echo "fuzz: $t for ${seconds}s"
  # New inputs go to the scratch corpus; the committed seeds are only read. Swift's own crash
  # backtracer is off so that libFuzzer reports the crash and saves the input.
  status=0
  TMPDIR="$work/$t/tmp" SWIFT_BACKTRACE=enable=no \
    LSAN_OPTIONS="suppressions=$PWD/Fuzzing/lsan-suppressions.txt:print_suppressions=0" \
    "$bin/Fuzz$t" "$work/$t/corpus" "Fuzzing/Corpus/$t" \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -detect_leaks=1 \
    -artifact_prefix="Fuzzing/Findings/$t-" -print_final_stats=1 >"$log" 2>&1 || status=$?
  executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  coverage="$(grep -E '^#[0-9]+' "$log" | grep -oE 'cov: [0-9]+ ft: [0-9]+' | tail -1 || true)"
  echo "fuzz: $t: ${executions:-?} executions in ${seconds}s, ${coverage:-no coverage line}"
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    grep -E 'ERROR|SUMMARY|Fatal error|fatal error|Test unit written|deadly signal|timeout' \
      "$log" | head -20 || true
    tail -40 "$log"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in Fuzzing/Findings/)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a crash, hang or leak"
