// Agents backed by tabular policies: `policy(path=FILE)` plays a saved policy; `cfr(...)` and `nash(...)` solve the
// game they are asked to play on first use (CFR+ on the explicit tree) and cache the policy file, so tournaments and
// evaluations can name them directly.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agents/tabular/tabular_policy.h"
#include "arena/agent.h"

namespace arena {

class TabularPolicyAgent : public Agent {
 public:
  TabularPolicyAgent(TabularPolicy policy, std::string spec) : policy_(std::move(policy)), spec_(std::move(spec)) {}
  std::string spec() const override { return spec_; }
  bool thread_safe() const override { return true; }
  std::vector<Decision> act(std::span<const DecisionRequest> requests) override;
  std::optional<std::vector<double>> action_probabilities(const State& state, Player player) override;
  void prepare(const Game& game) override;

 private:
  TabularPolicy policy_;
  std::string spec_;
};

struct SolveOptions {
  std::string algorithm = "cfr+";
  int iterations = 1000;            // CFR iterations (cfr agent)
  double target = -1;               // nash agent: iterate until exploitability <= target
  int max_iterations = 100000;
};

// Solves `game` (or loads the cached solution) and returns the average policy. Cache: $ARENA_CACHE_DIR, else
// $XDG_CACHE_HOME/arena, else ~/.cache/arena; the file name encodes the game string and the options.
TabularPolicy solve_cached(const GamePtr& game, const SolveOptions& options, std::string* cache_path = nullptr);

class SolvingAgent : public Agent {
 public:
  SolvingAgent(std::optional<std::string> game, SolveOptions options, std::string spec)
      : game_(std::move(game)), options_(options), spec_(std::move(spec)) {}
  std::string spec() const override { return spec_; }
  bool thread_safe() const override { return true; }
  std::vector<Decision> act(std::span<const DecisionRequest> requests) override;
  std::optional<std::vector<double>> action_probabilities(const State& state, Player player) override;
  void prepare(const Game& game) override;

 private:
  const TabularPolicy& policy_for(const Game& game);
  std::optional<std::string> game_;
  SolveOptions options_;
  std::string spec_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<TabularPolicy>> policies_;
};

// Probabilities over state.legal_actions() from a tabular entry; throws if the entry is missing.
std::vector<double> probabilities_at(const TabularPolicy& policy, const State& state, Player player);

}  // namespace arena
