#include "agents/determinize.h"

namespace arena {

std::unique_ptr<State> sample_determinization(const State& state, Player p, Rng& rng, int max_tries) {
  if (state.game().type().information == Information::kPerfect) return state.clone();
  const auto& history = state.history();
  const std::string target = state.information_state(p);
  for (int attempt = 0; attempt < max_tries; ++attempt) {
    auto s = state.game().new_initial_state();
    bool ok = true;
    for (Action a : history) {
      if (s->is_chance_node() && s->chance_outcome_hidden_from(p)) a = rng.sample(s->chance_outcomes());
      if (!s->is_legal(a)) {
        ok = false;
        break;
      }
      s->apply_action_unchecked(a);
    }
    if (ok && s->information_state(p) == target) return s;
  }
  return nullptr;
}

}  // namespace arena
