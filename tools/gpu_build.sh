#!/usr/bin/env bash
# On the GPU machine (Ubuntu 24.04, CUDA 13, pip LibTorch 2.11, Catch2 v3, no sqlite3.h, no network): configures
# against the pip LibTorch with CUDA on (sm_90), builds into build-gpu/, and runs the whole test suite, GPU-labelled
# tests included. What the image lacks comes from .deps/ (tools/gpu_prepare.sh on the development machine).
#   bash tools/gpu_build.sh [ctest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${ARENA_BUILD_DIR:-build-gpu}
torch_cmake=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
args=(-DCMAKE_PREFIX_PATH="$torch_cmake" -DARENA_WITH_CUDA=ON -DCMAKE_BUILD_TYPE=Release)
if [[ ! -f /usr/include/sqlite3.h ]]; then
  [[ -f .deps/root/usr/include/sqlite3.h ]] || { echo "gpu_build.sh: no sqlite3.h; run tools/gpu_prepare.sh on the development machine and carry .deps" >&2; exit 1; }
  runtime=$(ls /usr/lib/x86_64-linux-gnu/libsqlite3.so.0 2> /dev/null || true)
  [[ -n $runtime ]] || { echo "gpu_build.sh: no libsqlite3.so.0 runtime" >&2; exit 1; }
  args+=(-DSQLite3_INCLUDE_DIR="$PWD/.deps/root/usr/include" -DSQLite3_LIBRARY="$runtime")
fi
# PCRE2 and utf8proc (the tokenizers): the image may have their runtimes but not their headers; then the Debian
# static archives from .deps are linked, which needs nothing from the image at run time.
lib=/usr/lib/x86_64-linux-gnu
deps_lib="$PWD/.deps/root/usr/lib/x86_64-linux-gnu"
if [[ ! -f /usr/include/pcre2.h || ! -e $lib/libpcre2-8.so ]]; then
  [[ -f .deps/root/usr/include/pcre2.h && -f $deps_lib/libpcre2-8.a ]] || { echo "gpu_build.sh: no PCRE2 headers; run tools/gpu_prepare.sh on the development machine and carry .deps" >&2; exit 1; }
  args+=(-DPCRE2_INCLUDE_DIR="$PWD/.deps/root/usr/include" -DPCRE2_LIBRARY="$deps_lib/libpcre2-8.a")
fi
if [[ ! -f /usr/include/utf8proc.h || ! -e $lib/libutf8proc.so ]]; then
  [[ -f .deps/root/usr/include/utf8proc.h && -f $deps_lib/libutf8proc.a ]] || { echo "gpu_build.sh: no utf8proc headers; run tools/gpu_prepare.sh on the development machine and carry .deps" >&2; exit 1; }
  args+=(-DUTF8PROC_INCLUDE_DIR="$PWD/.deps/root/usr/include" -DUTF8PROC_LIBRARY="$deps_lib/libutf8proc.a")
fi
if ! command -v sqlite3 > /dev/null && [[ -x .deps/bin/sqlite3 ]]; then
  export PATH="$PWD/.deps/bin:$PATH"
fi
cmake -S . -B "$build" -G Ninja "${args[@]}"
cmake --build "$build" -j "$(nproc)"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
ctest --test-dir "$build" -j 8 --output-on-failure "$@"
