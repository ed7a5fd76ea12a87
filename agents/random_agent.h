// Uniformly random legal moves; the reference opponent and the playout policy of benchmarks.
#pragma once

#include "arena/agent.h"

namespace arena {

class RandomAgent : public Agent {
 public:
  std::string spec() const override { return "random"; }
  bool thread_safe() const override { return true; }
  std::vector<Decision> act(std::span<const DecisionRequest> requests) override;
  std::optional<std::vector<double>> action_probabilities(const State& state, Player) override {
    const auto n = state.legal_actions().size();
    return std::vector<double>(n, 1.0 / static_cast<double>(n));
  }
};

}  // namespace arena
