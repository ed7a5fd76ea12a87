#!/usr/bin/env bash
# Installs the built tree into a prefix, then builds, against that prefix only, (1) the example plugin in
# games/plugin_example and (2) an outside CMake project that uses find_package(Arena) to write and drive a game.
set -euo pipefail
src=$1 build=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
test -f "$work/prefix/include/arena/games/api/game.h"
test -f "$work/prefix/lib/cmake/Arena/ArenaConfig.cmake"
# The plugin and the outside project see only the installed headers: copy their sources out of the tree.
cp -r "$src/games/plugin_example" "$work/plugin-src"
cp -r "$src/tests/install/outside_project" "$work/outside-src"
gen=()
command -v ninja > /dev/null && gen=(-G Ninja)
for p in plugin outside; do
  cmake -S "$work/$p-src" -B "$work/$p-build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/$p-configure.log"
  cmake --build "$work/$p-build" -j 2 > "$work/$p-build.log"
done
test -f "$work/plugin-build/libarena_nim.so"
"$work/outside-build/outside_game"
# The installed CLI loads the plugin through the environment variable and describes its game.
ARENA_PLUGIN_PATH="$work/plugin-build" "$work/prefix/bin/arena" describe 'nim(piles="2 5")' | grep -q "pile sizes at the start: 2 5"
"$work/prefix/bin/arena" --plugin "$work/plugin-build/libarena_nim.so" games | grep -q "nim .*plugin libarena_nim.so"
echo "install tree OK: plugin and outside project built against $work/prefix"
