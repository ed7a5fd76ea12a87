// Exact values of small perfect-information two-player zero-sum games by retrograde search (expectimax over chance
// nodes) with memoization on the full state (State::to_string plus the player to move).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "arena/agent.h"

namespace arena {

class MinimaxSolver {
 public:
  // Throws arena::Error unless the game has perfect information, two players and zero-sum utility.
  explicit MinimaxSolver(const Game& game, std::int64_t max_states = 20'000'000);
  // Player 0's value of `state` under optimal play by both players (chance averaged).
  double value(const State& state);
  std::int64_t states() const { return static_cast<std::int64_t>(memo_.size()); }

 private:
  std::string game_;
  std::int64_t max_states_;
  std::unordered_map<std::string, double> memo_;
};

// Plays an optimal move, choosing uniformly (by the decision seed) among equally good ones.
class MinimaxAgent : public Agent {
 public:
  explicit MinimaxAgent(std::int64_t max_states) : max_states_(max_states) {}
  std::string spec() const override { return "minimax"; }
  bool thread_safe() const override { return true; }
  std::vector<Decision> act(std::span<const DecisionRequest> requests) override;
  void prepare(const Game& game) override { MinimaxSolver check(game, 1); }

 private:
  MinimaxSolver& solver_for(const Game& game);
  std::int64_t max_states_;
  std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<MinimaxSolver>> solvers_;
};

}  // namespace arena
