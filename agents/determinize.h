// Determinization for search in imperfect-information games: a full state that player p cannot tell apart from the
// real one. Chance outcomes hidden from p are resampled from their distributions along the real history; a sample is
// kept only if every move stays legal and p's information state is unchanged (rejection sampling).
#pragma once

#include <memory>

#include "games/api/game.h"
#include "games/api/rng.h"

namespace arena {

// nullptr if no consistent sample was found in `max_tries` attempts. Perfect-information games return a clone.
std::unique_ptr<State> sample_determinization(const State& state, Player p, Rng& rng, int max_tries = 1000);

}  // namespace arena
