// Monte Carlo tree search with UCT selection and random rollouts (the MARS evaluation opponent at 10/100/1000
// simulations). In imperfect-information games it searches over determinizations (a fresh sample of the hidden
// chance outcomes per simulation, consistent with what the player knows) sharing one tree keyed by moves, with UCT
// over the children available in each sample, so it never looks at information the player does not have.
#pragma once

#include "arena/agent.h"

namespace arena {

struct MctsOptions {
  int simulations = 1000;
  double uct_c = 2.0;
  int rollouts = 1;           // random playouts averaged at each new leaf
  int max_determinization_tries = 1000;
};

class MctsAgent : public Agent {
 public:
  MctsAgent(MctsOptions options, std::string spec) : options_(options), spec_(std::move(spec)) {}
  std::string spec() const override { return spec_; }
  bool thread_safe() const override { return true; }
  std::vector<Decision> act(std::span<const DecisionRequest> requests) override;

  // The search itself: the chosen action and the visit count of every root action.
  Action search(const State& state, Player player, std::uint64_t seed,
                std::vector<std::pair<Action, int>>* visits = nullptr) const;

 private:
  MctsOptions options_;
  std::string spec_;
};

}  // namespace arena
