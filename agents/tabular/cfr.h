// Counterfactual regret minimization on an explicit game tree, for two-player zero-sum games.
//   vanilla CFR: regret matching, uniform averaging of the current strategies.
//   CFR+:        regret matching+ (cumulative regrets floored at 0 after every update) and linear averaging
//                (iteration t weighs t).
// Both use alternating updates: each iteration updates player 0's regrets, then player 1's against the updated
// strategy. The average strategy converges to a Nash equilibrium.
#pragma once

#include <string>
#include <vector>

#include "agents/tabular/game_tree.h"

namespace arena {

enum class CfrAlgorithm { kVanilla, kPlus };
CfrAlgorithm parse_cfr_algorithm(const std::string& name);  // "cfr" or "cfr+"

// Throws arena::Error unless CFR applies to `game` (two players, zero-sum or constant-sum): checked before building
// a tree.
void check_cfr_applicable(const Game& game);

class CfrSolver {
 public:
  // Throws arena::Error unless the game is a two-player zero-sum (or constant-sum) game.
  CfrSolver(const GameTree& tree, CfrAlgorithm algorithm);
  void iterate();
  int iterations() const { return iteration_; }
  std::vector<double> average_policy() const;  // flat, the tree's order
  std::vector<double> current_policy() const;

 private:
  double traverse(int node, Player p, double reach_p, double reach_o);
  void compute_current();
  const GameTree& tree_;
  CfrAlgorithm algorithm_;
  std::vector<double> regrets_, average_, current_;
  int iteration_ = 0;
};

}  // namespace arena
