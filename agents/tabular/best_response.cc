#include "agents/tabular/best_response.h"

#include <cmath>
#include <functional>
#include <limits>

namespace arena {

std::vector<double> policy_values(const GameTree& tree, const std::vector<double>& probs) {
  const int n = tree.num_players();
  std::vector<double> out(n, 0.0);
  std::function<void(int, double)> walk = [&](int id, double reach) {
    if (reach == 0) return;
    const auto& node = tree.nodes()[id];
    if (node.player == kTerminalPlayer) {
      for (int p = 0; p < n; ++p) out[p] += reach * tree.terminal_return(node, p);
      return;
    }
    for (int k = 0; k < node.num_children; ++k) {
      const double pr = node.player == kChancePlayer ? tree.chance_prob(node, k)
                                                     : probs[tree.infosets()[node.infoset].offset + k];
      walk(tree.child(node, k), reach * pr);
    }
  };
  walk(0, 1.0);
  return out;
}

double best_response_value(const GameTree& tree, const std::vector<double>& probs, Player p) {
  const auto& nodes = tree.nodes();
  // Reach of every node by chance and the players other than p.
  std::vector<double> reach(nodes.size(), 0.0);
  std::function<void(int, double)> down = [&](int id, double r) {
    reach[id] = r;
    const auto& node = nodes[id];
    for (int k = 0; k < node.num_children; ++k) {
      double pr = 1.0;
      if (node.player == kChancePlayer) pr = tree.chance_prob(node, k);
      else if (node.player != p) pr = probs[tree.infosets()[node.infoset].offset + k];
      down(tree.child(node, k), r * pr);
    }
  };
  down(0, 1.0);
  const double kUnset = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> value(nodes.size(), kUnset);
  std::vector<int> best(tree.infosets().size(), -1);
  std::function<double(int)> v;
  auto best_action = [&](int info) {
    if (best[info] >= 0) return best[info];
    const auto& I = tree.infosets()[info];
    int arg = 0;
    double top = -std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < I.actions.size(); ++k) {
      double cf = 0;
      for (int h : I.nodes) cf += reach[h] * v(tree.child(nodes[h], static_cast<int>(k)));
      if (cf > top + 1e-15) {
        top = cf;
        arg = static_cast<int>(k);
      }
    }
    return best[info] = arg;
  };
  v = [&](int id) -> double {
    if (!std::isnan(value[id])) return value[id];
    const auto& node = nodes[id];
    double out = 0;
    if (node.player == kTerminalPlayer) {
      out = tree.terminal_return(node, p);
    } else if (node.player == p) {
      out = v(tree.child(node, best_action(node.infoset)));
    } else {
      for (int k = 0; k < node.num_children; ++k) {
        const double pr = node.player == kChancePlayer ? tree.chance_prob(node, k)
                                                       : probs[tree.infosets()[node.infoset].offset + k];
        if (pr > 0) out += pr * v(tree.child(node, k));
      }
    }
    return value[id] = out;
  };
  return v(0);
}

double nash_conv(const GameTree& tree, const std::vector<double>& probs) {
  auto values = policy_values(tree, probs);
  double total = 0;
  for (Player p = 0; p < tree.num_players(); ++p) total += best_response_value(tree, probs, p) - values[p];
  return total;
}

double exploitability(const GameTree& tree, const std::vector<double>& probs) {
  return nash_conv(tree, probs) / tree.num_players();
}

}  // namespace arena
