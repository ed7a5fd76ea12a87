// Uniformly random play: chance outcomes drawn from their distribution, players uniform over legal actions. One
// definition, so conformance checks, benchmarks, traces and search rollouts draw the same random numbers in the same
// order and a seed means the same game everywhere.
#pragma once

#include "games/api/game.h"
#include "games/api/rng.h"

namespace arena {

inline Action sample_random_action(const State& s, Rng& rng) {
  if (s.is_chance_node()) return rng.sample(s.chance_outcomes());
  const auto legal = s.legal_actions();
  return legal[rng.uniform_int(legal.size())];
}

// Plays `s` to the end; returns the number of moves made.
inline int play_randomly(State& s, Rng& rng) {
  int moves = 0;
  while (!s.is_terminal()) {
    s.apply_action_unchecked(sample_random_action(s, rng));
    ++moves;
  }
  return moves;
}

}  // namespace arena
