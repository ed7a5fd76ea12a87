// Playing one match sequentially (the `arena play` path). Chance is sampled from the match's own RNG, seeded from
// the match seed; agents get per-decision seeds derived from it, so a seed fixes the whole match.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "arena/agent.h"
#include "games/api/game.h"

namespace arena {

struct TurnRecord {
  int ply = 0;
  Player player = 0;          // kChancePlayer for chance outcomes
  Action action = 0;
  std::string action_text;
  std::vector<double> rewards;
};

struct MatchResult {
  std::string game;
  std::uint64_t seed = 0;
  std::vector<Action> history;
  std::vector<double> returns;
  std::vector<TurnRecord> turns;
};

// Calls `on_turn(state_after, record)` after every move. Throws arena::Error if an agent returns an illegal action.
MatchResult play_match(const Game& game, std::span<Agent* const> seats, std::uint64_t seed,
                       const std::function<void(const State&, const TurnRecord&)>& on_turn = {});

}  // namespace arena
