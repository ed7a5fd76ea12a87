// An explicit game tree for exact computation on small games (CFR, best response, exploitability, policy values).
// Built once by enumerating every history through the generic game API, so it works for every game, plugins
// included; information sets are grouped by (player, information_state string).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "games/api/game.h"

namespace arena {

class GameTree {
 public:
  struct Node {
    int player = 0;       // kChancePlayer, kTerminalPlayer or a player
    int infoset = -1;     // decision nodes
    int child_begin = 0;  // children are children_[child_begin, child_begin + num_children)
    int num_children = 0;
    int returns = -1;     // terminal nodes: offset into returns_
  };
  struct Infoset {
    std::string key;              // the acting player's information_state
    Player player = 0;
    std::vector<Action> actions;  // legal actions, equal at every node of the set
    int offset = 0;               // first slot of this set's actions in flat per-action arrays
    std::vector<int> nodes;
  };

  // Throws arena::Error if the tree has more than max_nodes nodes ("too large to enumerate"), or if two nodes of
  // one information set offer different actions.
  static GameTree build(const GamePtr& game, std::int64_t max_nodes = 20'000'000);

  const GamePtr& game() const { return game_; }
  int num_players() const { return num_players_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Infoset>& infosets() const { return infosets_; }
  int num_infoset_actions() const { return num_infoset_actions_; }
  int child(const Node& n, int k) const { return children_[n.child_begin + k]; }
  double chance_prob(const Node& n, int k) const { return chance_probs_[n.child_begin + k]; }
  Action child_action(const Node& n, int k) const { return child_actions_[n.child_begin + k]; }
  double terminal_return(const Node& n, Player p) const { return returns_[n.returns + p]; }
  // -1 if unknown.
  int find_infoset(Player p, const std::string& key) const;
  // The action history leading to node `id` (replay it to get a State).
  std::vector<Action> history_of(int id) const;

 private:
  GamePtr game_;
  int num_players_ = 0;
  std::vector<Node> nodes_;
  std::vector<int> parent_;
  std::vector<Action> parent_action_;
  std::vector<int> children_;
  std::vector<double> chance_probs_;
  std::vector<Action> child_actions_;
  std::vector<double> returns_;
  std::vector<Infoset> infosets_;
  std::unordered_map<std::string, int> index_;
  int num_infoset_actions_ = 0;
};

// A policy's probabilities on every information set of `tree`, flat in the tree's per-infoset-action order (what
// best_response.h takes). `probabilities` receives one representative state per information set with its acting
// player, all at once, and returns the probabilities over each state's legal actions.
using BatchProbabilities =
    std::function<std::vector<std::vector<double>>(const std::vector<const State*>&, const std::vector<Player>&)>;
std::vector<double> flat_policy(const GameTree& tree, const BatchProbabilities& probabilities);

}  // namespace arena
