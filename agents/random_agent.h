// Uniformly random legal moves; the reference opponent and the playout policy of benchmarks.
#pragma once

#include "arena/agent.h"

namespace arena {

class RandomAgent : public Agent {
 public:
  std::string spec() const override { return "random"; }
  bool thread_safe() const override { return true; }
  std::vector<Decision> act(std::span<const DecisionRequest> requests) override;
};

}  // namespace arena
