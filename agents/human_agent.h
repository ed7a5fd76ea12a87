// A person at a terminal: shows what the player sees and the legal moves, reads a move, re-asks on bad input.
#pragma once

#include <iosfwd>

#include "arena/agent.h"

namespace arena {

class HumanAgent : public Agent {
 public:
  HumanAgent(std::istream& in, std::ostream& out) : in_(in), out_(out) {}
  std::string spec() const override { return "human"; }
  std::vector<Decision> act(std::span<const DecisionRequest> requests) override;

 private:
  Action ask(const State& state, Player player);
  std::istream& in_;
  std::ostream& out_;
};

}  // namespace arena
