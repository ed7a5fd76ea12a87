#include "agents/random_agent.h"

#include <cmath>

#include "games/api/rng.h"

namespace arena {

std::vector<Decision> RandomAgent::act(std::span<const DecisionRequest> requests) {
  std::vector<Decision> out(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    auto legal = requests[i].state->legal_actions();
    Rng rng(requests[i].seed);
    out[i].action = legal[rng.uniform_int(legal.size())];
    out[i].logprob = -std::log(static_cast<double>(legal.size()));
  }
  return out;
}

}  // namespace arena
