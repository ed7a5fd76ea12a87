// A tabular policy: for each information state (the acting player's information_state string), a probability for
// each legal action. File format (JSON):
//   {"format": "arena-tabular-policy", "version": 1, "game": "kuhn_poker",
//    "policy": {"K": {"0": 0.667, "1": 0.333}, "Kpb": {"0": 0.0, "1": 1.0}, ...}}
// Keys of "policy" are information states; keys of each entry are action ids (as strings).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "agents/tabular/game_tree.h"

namespace arena {

class TabularPolicy {
 public:
  TabularPolicy() = default;
  TabularPolicy(std::string game, std::map<std::string, std::vector<std::pair<Action, double>>> table)
      : game_(std::move(game)), table_(std::move(table)) {}

  // Throws arena::Error naming the file on a missing file, bad JSON, or a wrong format.
  static TabularPolicy load(const std::string& path);
  void save(const std::string& path) const;

  // Uniform over legal actions at every information set of the tree.
  static TabularPolicy uniform(const GameTree& tree);
  // From flat per-infoset-action probabilities in the tree's order.
  static TabularPolicy from_flat(const GameTree& tree, const std::vector<double>& probs);
  // To flat probabilities in the tree's order. Throws if the policy is for another game, lacks an information state of
  // the game, names one the game does not have, or gives an illegal action.
  std::vector<double> to_flat(const GameTree& tree) const;

  const std::string& game() const { return game_; }
  const std::map<std::string, std::vector<std::pair<Action, double>>>& table() const { return table_; }
  // nullptr if absent.
  const std::vector<std::pair<Action, double>>* find(const std::string& info) const;

 private:
  std::string game_;
  std::map<std::string, std::vector<std::pair<Action, double>>> table_;
};

}  // namespace arena
