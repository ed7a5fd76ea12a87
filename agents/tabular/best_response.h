// Exact best responses, policy values, NashConv and exploitability on an explicit game tree.
//   NashConv(pi) = sum_p [ max_{pi'_p} u_p(pi'_p, pi_-p) - u_p(pi) ]
//   exploitability(pi) = NashConv(pi) / num_players   (for two-player zero-sum: the mean gain of a best responder)
// The best response is over pure strategies consistent with information sets (perfect recall): at each of p's
// information sets it takes the action maximizing the counterfactual value sum_{h in I} pi_-p(h) v(h a).
#pragma once

#include <vector>

#include "agents/tabular/game_tree.h"

namespace arena {

// Expected returns of every player when everyone follows `probs` (flat, the tree's per-infoset-action order).
std::vector<double> policy_values(const GameTree& tree, const std::vector<double>& probs);
// The value to player p of a best response against the others' parts of `probs`.
double best_response_value(const GameTree& tree, const std::vector<double>& probs, Player p);
double nash_conv(const GameTree& tree, const std::vector<double>& probs);
double exploitability(const GameTree& tree, const std::vector<double>& probs);

}  // namespace arena
