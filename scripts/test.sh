#!/usr/bin/env bash
# Runs the tests (arguments go to `swift test`, e.g. --filter RunnerTests) on an optimized
# build: most tests train small networks, and a debug build trains about 5x slower. The build
# keeps its own folder, so that `swift build -c release` and this one do not rebuild each other.
# `swift test` alone runs the same tests on a debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift test -c release -Xswiftc -enable-testing --scratch-path .build/tests "$@"
