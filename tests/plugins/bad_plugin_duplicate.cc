// A plugin registering a fresh game and one whose name is taken by a built-in: the loader must register neither.
#include "games/api/plugin.h"

namespace {
arena::GameType named(const char* name) {
  arena::GameType t;
  t.short_name = name;
  t.long_name = name;
  return t;
}
arena::GamePtr no_game(const arena::GameType&, const arena::GameParams&) { return nullptr; }
}  // namespace

ARENA_PLUGIN("duplicate", "1.0", [](arena::PluginRegistrar& r) {
  r.add(named("fresh_game_from_duplicate_plugin"), no_game);
  r.add(named("tic_tac_toe"), no_game);
})
