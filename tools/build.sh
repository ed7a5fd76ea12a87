#!/usr/bin/env bash
# Configures (once) and builds Arena into build/ (or $ARENA_BUILD_DIR). Extra arguments go to CMake's configure
# step, e.g. bash tools/build.sh -DARENA_WITH_TORCH=OFF. LibTorch is taken from the project's .venv (tools/install.sh
# puts PyPI's torch there) unless CMAKE_PREFIX_PATH is given.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${ARENA_BUILD_DIR:-build}
prefix=()
if [[ -x .venv/bin/python ]] && torch_cmake=$(.venv/bin/python -c 'import torch;print(torch.utils.cmake_prefix_path)' 2>/dev/null); then
  prefix=("-DCMAKE_PREFIX_PATH=$torch_cmake")
fi
configured_torch=""
[[ -f "$build/CMakeCache.txt" ]] && configured_torch=$(grep -s '^Torch_DIR:' "$build/CMakeCache.txt" | grep -v NOTFOUND || true)
if [[ ! -f "$build/build.ninja" || $# -gt 0 || ( ${#prefix[@]} -gt 0 && -z "$configured_torch" ) ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${prefix[@]}" "$@"
fi
cmake --build "$build" -j "$(nproc)"
