#include "agents/tabular/cfr.h"

#include <algorithm>

namespace arena {

CfrAlgorithm parse_cfr_algorithm(const std::string& name) {
  if (name == "cfr") return CfrAlgorithm::kVanilla;
  if (name == "cfr+" || name == "cfr_plus") return CfrAlgorithm::kPlus;
  throw Error("unknown CFR algorithm '" + name + "'; use cfr or cfr+");
}

void check_cfr_applicable(const Game& game) {
  const auto& type = game.type();
  if (game.num_players() != 2)
    throw Error("CFR here solves two-player games; " + game.to_string() + " has " +
                std::to_string(game.num_players()) + " players");
  if (type.utility != Utility::kZeroSum && type.utility != Utility::kConstantSum)
    throw Error("CFR needs a zero-sum game; " + game.to_string() + " is " + std::string(to_string(type.utility)) +
                " (exploitability and best responses still work)");
}

CfrSolver::CfrSolver(const GameTree& tree, CfrAlgorithm algorithm) : tree_(tree), algorithm_(algorithm) {
  check_cfr_applicable(*tree.game());
  regrets_.assign(tree.num_infoset_actions(), 0.0);
  average_.assign(tree.num_infoset_actions(), 0.0);
  current_.assign(tree.num_infoset_actions(), 0.0);
  compute_current();
}

void CfrSolver::compute_current() {
  for (const auto& I : tree_.infosets()) {
    double pos = 0;
    for (size_t k = 0; k < I.actions.size(); ++k) pos += std::max(0.0, regrets_[I.offset + k]);
    for (size_t k = 0; k < I.actions.size(); ++k)
      current_[I.offset + k] = pos > 0 ? std::max(0.0, regrets_[I.offset + k]) / pos : 1.0 / I.actions.size();
  }
}

double CfrSolver::traverse(int id, Player p, double reach_p, double reach_o) {
  const auto& node = tree_.nodes()[id];
  if (node.player == kTerminalPlayer) return tree_.terminal_return(node, p);
  if (node.player == kChancePlayer) {
    double v = 0;
    for (int k = 0; k < node.num_children; ++k) {
      const double pr = tree_.chance_prob(node, k);
      v += pr * traverse(tree_.child(node, k), p, reach_p, reach_o * pr);
    }
    return v;
  }
  const auto& I = tree_.infosets()[node.infoset];
  const double* sigma = &current_[I.offset];
  if (node.player != p) {
    double v = 0;
    for (int k = 0; k < node.num_children; ++k)
      if (sigma[k] > 0) v += sigma[k] * traverse(tree_.child(node, k), p, reach_p, reach_o * sigma[k]);
    return v;
  }
  double values[64];
  std::vector<double> big;
  double* vals = values;
  if (node.num_children > 64) {
    big.resize(node.num_children);
    vals = big.data();
  }
  double v = 0;
  for (int k = 0; k < node.num_children; ++k) {
    vals[k] = traverse(tree_.child(node, k), p, reach_p * sigma[k], reach_o);
    v += sigma[k] * vals[k];
  }
  const double weight = algorithm_ == CfrAlgorithm::kPlus ? static_cast<double>(iteration_ + 1) : 1.0;
  for (int k = 0; k < node.num_children; ++k) {
    double& r = regrets_[I.offset + k];
    r += reach_o * (vals[k] - v);
    average_[I.offset + k] += weight * reach_p * sigma[k];
  }
  return v;
}

void CfrSolver::iterate() {
  for (Player p = 0; p < 2; ++p) {
    traverse(0, p, 1.0, 1.0);
    // CFR+ floors cumulative regrets once the player's traversal is complete.
    if (algorithm_ == CfrAlgorithm::kPlus)
      for (const auto& I : tree_.infosets())
        if (I.player == p)
          for (size_t k = 0; k < I.actions.size(); ++k) regrets_[I.offset + k] = std::max(0.0, regrets_[I.offset + k]);
    compute_current();
  }
  ++iteration_;
}

std::vector<double> CfrSolver::average_policy() const {
  std::vector<double> out(average_.size());
  for (const auto& I : tree_.infosets()) {
    double total = 0;
    for (size_t k = 0; k < I.actions.size(); ++k) total += average_[I.offset + k];
    for (size_t k = 0; k < I.actions.size(); ++k)
      out[I.offset + k] = total > 0 ? average_[I.offset + k] / total : 1.0 / I.actions.size();
  }
  return out;
}

std::vector<double> CfrSolver::current_policy() const { return current_; }

}  // namespace arena
