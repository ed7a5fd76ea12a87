#include "agents/tabular/game_tree.h"

#include <functional>

namespace arena {

int GameTree::find_infoset(Player p, const std::string& key) const {
  auto it = index_.find(std::to_string(p) + '\x1f' + key);
  return it == index_.end() ? -1 : it->second;
}

std::vector<Action> GameTree::history_of(int id) const {
  std::vector<Action> h;
  for (; parent_[id] >= 0; id = parent_[id]) h.push_back(parent_action_[id]);
  return {h.rbegin(), h.rend()};
}

GameTree GameTree::build(const GamePtr& game, std::int64_t max_nodes) {
  GameTree t;
  t.game_ = game;
  t.num_players_ = game->num_players();
  const std::string name = game->to_string();
  std::function<int(const State&, int, Action)> expand = [&](const State& s, int parent, Action via) -> int {
    // Histories longer than a few thousand moves mean a tree far beyond max_nodes; stop before the stack does.
    if (static_cast<std::int64_t>(t.nodes_.size()) >= max_nodes || s.move_number() > 4000)
      throw Error(name + " is too large to enumerate exactly (more than " + std::to_string(max_nodes) +
                  " histories); exact solvers support small games such as kuhn_poker, leduc_poker, tic_tac_toe, "
                  "small liars_dice");
    const int id = static_cast<int>(t.nodes_.size());
    t.nodes_.push_back({});
    t.parent_.push_back(parent);
    t.parent_action_.push_back(via);
    const Player p = s.current_player();
    t.nodes_[id].player = p;
    if (p == kTerminalPlayer) {
      t.nodes_[id].returns = static_cast<int>(t.returns_.size());
      for (double r : s.returns()) t.returns_.push_back(r);
      return id;
    }
    std::vector<Action> actions;
    std::vector<double> probs;
    if (p == kChancePlayer) {
      for (auto [a, pr] : s.chance_outcomes()) {
        actions.push_back(a);
        probs.push_back(pr);
      }
    } else {
      actions = s.legal_actions();
      probs.assign(actions.size(), 0.0);
      const std::string key = s.information_state(p);
      const std::string full = std::to_string(p) + '\x1f' + key;
      auto it = t.index_.find(full);
      int info;
      if (it == t.index_.end()) {
        info = static_cast<int>(t.infosets_.size());
        t.index_.emplace(full, info);
        t.infosets_.push_back({key, p, actions, t.num_infoset_actions_, {}});
        t.num_infoset_actions_ += static_cast<int>(actions.size());
      } else {
        info = it->second;
        if (t.infosets_[info].actions != actions)
          throw Error(name + ": information state '" + key + "' of player " + std::to_string(p) +
                      " offers different legal actions in different histories");
      }
      t.infosets_[info].nodes.push_back(id);
      t.nodes_[id].infoset = info;
    }
    const int begin = static_cast<int>(t.children_.size());
    t.nodes_[id].child_begin = begin;
    t.nodes_[id].num_children = static_cast<int>(actions.size());
    t.children_.resize(begin + actions.size());
    t.chance_probs_.resize(begin + actions.size());
    t.child_actions_.resize(begin + actions.size());
    for (size_t k = 0; k < actions.size(); ++k) {
      t.chance_probs_[begin + k] = probs[k];
      t.child_actions_[begin + k] = actions[k];
    }
    for (size_t k = 0; k < actions.size(); ++k) {
      auto c = s.clone();
      c->apply_action(actions[k]);
      const int child = expand(*c, id, actions[k]);
      t.children_[begin + k] = child;
    }
    return id;
  };
  expand(*game->new_initial_state(), -1, -1);
  return t;
}

std::vector<double> flat_policy(const GameTree& tree, const BatchProbabilities& probabilities) {
  std::vector<std::unique_ptr<State>> states;
  std::vector<const State*> ptrs;
  std::vector<Player> players;
  for (const auto& I : tree.infosets()) {
    states.push_back(replay(*tree.game(), tree.history_of(I.nodes.front())));
    ptrs.push_back(states.back().get());
    players.push_back(I.player);
  }
  auto probs = probabilities(ptrs, players);
  std::vector<double> flat(tree.num_infoset_actions(), 0.0);
  for (size_t i = 0; i < tree.infosets().size(); ++i) {
    const auto& I = tree.infosets()[i];
    for (size_t k = 0; k < I.actions.size(); ++k) flat[I.offset + k] = probs[i][k];
  }
  return flat;
}

}  // namespace arena
