#!/usr/bin/env bash
# Configures (once) and builds Arena into build/ (or $ARENA_BUILD_DIR). Extra arguments go to CMake's configure
# step, e.g. bash tools/build.sh -DARENA_WITH_TORCH=OFF
set -euo pipefail
cd "$(dirname "$0")/.."
build=${ARENA_BUILD_DIR:-build}
if [[ ! -f "$build/build.ninja" || $# -gt 0 ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
fi
cmake --build "$build" -j "$(nproc)"
