// A Policy as an arena agent: one forward pass per batch of decisions. Sampling draws from Rng(request.seed), so an
// answer depends only on the policy and the decision's seed, never on batch composition or thread count. Include
// only from torch translation units.
#pragma once

#include <memory>
#include <string>

#include "arena/agent.h"
#include "trainer/policy.h"

namespace arena::trainer {

class PolicyAgent : public Agent {
 public:
  PolicyAgent(std::shared_ptr<Policy> policy, bool greedy, std::string spec);
  std::string spec() const override { return spec_; }
  std::vector<Decision> act(std::span<const DecisionRequest> requests) override;
  void prepare(const Game& game) override;
  std::optional<std::vector<double>> action_probabilities(const State& state, Player player) override;
  // Probabilities over legal actions for many decisions at once (exploitability over every information set).
  std::vector<std::vector<double>> probabilities(const std::vector<const State*>& states,
                                                 const std::vector<Player>& players);

 private:
  torch::Tensor log_probs(const std::vector<const State*>& states, const std::vector<Player>& players);

  std::shared_ptr<Policy> policy_;
  bool greedy_;
  std::string spec_;
};

// Loads a checkpoint directory (or a run directory: its latest checkpoint) into a policy on the CPU.
std::shared_ptr<Policy> load_policy_checkpoint(const std::string& path);

}  // namespace arena::trainer
