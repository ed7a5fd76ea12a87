// In-training evaluation of a policy (torch-free): exact exploitability on two-player zero-sum games small enough to
// enumerate, matches against fixed opponents in every seat of competitive games, self-play score on cooperative ones.
// Evaluation matches use the same seeds at every evaluation, so successive figures differ by the policy only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agents/tabular/game_tree.h"
#include "arena/agent.h"
#include "trainer/config.h"
#include "trainer/features.h"

namespace arena::trainer {

using Metrics = std::vector<std::pair<std::string, double>>;

class Evaluator {
 public:
  // Builds the trees and the opponents (which may throw arena::Error for an agent that cannot play a game).
  Evaluator(const TrainConfig& config, const GameSlots& slots);
  // `policy` plays the evaluation matches (sampling or greedy as configured); `probabilities` gives its exact
  // action probabilities for exploitability.
  Metrics evaluate(Agent& policy, const BatchProbabilities& probabilities) const;
  // Every metric key evaluate() can produce, in a fixed order (CSV columns).
  std::vector<std::string> keys() const;

 private:
  std::vector<std::vector<double>> play(Agent& policy, Agent* opponent, int slot, int seat, std::uint64_t stream) const;

  const TrainConfig& config_;
  const GameSlots& slots_;
  std::vector<std::unique_ptr<GameTree>> trees_;      // per slot; null when exploitability does not apply
  std::vector<std::vector<AgentPtr>> opponents_;     // per slot, per configured opponent (competitive games)
};

bool cooperative(const Game& game);

}  // namespace arena::trainer
