// A rule-based Hanabi player (a scripted baseline and a source of demonstrations). In order of priority:
//   1. play a card whose hints prove it playable (every color and rank it may still have fits a firework);
//   2. with an information token, tell the nearest teammate about a playable card they do not know is playable
//      (its rank if they do not know the rank, else its color);
//   3. below the token maximum, discard a card proven useless (every possibility is already on its firework), else
//      the oldest card without any hint;
//   4. otherwise give any hint, and as a last resort play the oldest card.
// Deterministic: the same state always gives the same move.
#pragma once

#include "arena/agent.h"

namespace arena {

class HanabiRulesAgent : public Agent {
 public:
  std::string spec() const override { return "hanabi_rules"; }
  bool thread_safe() const override { return true; }
  std::vector<Decision> act(std::span<const DecisionRequest> requests) override;
  Action choose(const State& state, Player player) const;
  void prepare(const Game& game) override {
    if (game.type().short_name != "hanabi")
      throw Error("agent hanabi_rules plays only hanabi, not " + game.to_string());
  }
};

}  // namespace arena
