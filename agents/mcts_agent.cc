#include "agents/mcts_agent.h"

#include <cmath>
#include <limits>

#include "agents/determinize.h"
#include "games/api/random_play.h"
#include "games/api/rng.h"

namespace arena {
namespace {

struct Node {
  Action action = -1;
  Player mover = 0;       // the player who chose `action`
  int visits = 0;
  int available = 0;      // simulations in which this move was legal when its parent was reached
  double value = 0;       // sum of the mover's returns
  std::vector<int> children;
};

std::vector<double> random_playout(const State& from, Rng& rng) {
  auto s = from.clone();
  play_randomly(*s, rng);
  return s->returns();
}

}  // namespace

Action MctsAgent::search(const State& state, Player player, std::uint64_t seed,
                         std::vector<std::pair<Action, int>>* visits) const {
  Rng rng(seed);
  std::vector<Node> tree(1);
  const int n = state.num_players();
  const auto root_legal = state.legal_actions();
  if (root_legal.size() == 1) return root_legal[0];
  for (int sim = 0; sim < options_.simulations; ++sim) {
    auto s = sample_determinization(state, player, rng, options_.max_determinization_tries);
    if (!s) s = state.clone();  // unreachable for conformant games; keeps the search total
    std::vector<int> path{0};
    int node = 0;
    bool expanded = false;
    while (!s->is_terminal() && !expanded) {
      if (s->is_chance_node()) {
        s->apply_action_unchecked(rng.sample(s->chance_outcomes()));
        continue;
      }
      const Player mover = s->current_player();
      const auto legal = s->legal_actions();
      // Legal moves not yet in the tree: expand one at random.
      std::vector<Action> fresh;
      for (Action a : legal) {
        bool known = false;
        for (int c : tree[node].children) known = known || tree[c].action == a;
        if (!known) fresh.push_back(a);
      }
      if (!fresh.empty()) {
        Action a = fresh[rng.uniform_int(fresh.size())];
        Node child;
        child.action = a;
        child.mover = mover;
        tree.push_back(child);
        const int id = static_cast<int>(tree.size()) - 1;
        tree[node].children.push_back(id);
        for (int c : tree[node].children)
          if (std::binary_search(legal.begin(), legal.end(), tree[c].action)) ++tree[c].available;
        s->apply_action_unchecked(a);
        path.push_back(id);
        node = id;
        expanded = true;
        break;
      }
      int best = -1;
      double best_score = -std::numeric_limits<double>::infinity();
      for (int c : tree[node].children) {
        if (!std::binary_search(legal.begin(), legal.end(), tree[c].action)) continue;
        Node& ch = tree[c];
        ++ch.available;
        const double score = ch.value / ch.visits + options_.uct_c * std::sqrt(std::log(ch.available) / ch.visits);
        if (score > best_score) {
          best_score = score;
          best = c;
        }
      }
      s->apply_action_unchecked(tree[best].action);
      path.push_back(best);
      node = best;
    }
    std::vector<double> ret(n, 0.0);
    if (s->is_terminal()) {
      ret = s->returns();
    } else {
      for (int r = 0; r < options_.rollouts; ++r) {
        auto one = random_playout(*s, rng);
        for (int p = 0; p < n; ++p) ret[p] += one[p] / options_.rollouts;
      }
    }
    for (size_t k = 1; k < path.size(); ++k) {
      Node& nd = tree[path[k]];
      ++nd.visits;
      nd.value += ret[nd.mover];
    }
    ++tree[0].visits;
  }
  // The most visited legal root move; ties go to the higher mean value, then to the lower action id.
  Action best = root_legal[0];
  int best_visits = -1;
  double best_value = -std::numeric_limits<double>::infinity();
  for (int c : tree[0].children) {
    const Node& ch = tree[c];
    if (!std::binary_search(root_legal.begin(), root_legal.end(), ch.action)) continue;
    if (visits) visits->emplace_back(ch.action, ch.visits);
    const double mean = ch.visits ? ch.value / ch.visits : 0;
    if (ch.visits > best_visits || (ch.visits == best_visits && mean > best_value)) {
      best = ch.action;
      best_visits = ch.visits;
      best_value = mean;
    }
  }
  return best;
}

std::vector<Decision> MctsAgent::act(std::span<const DecisionRequest> requests) {
  std::vector<Decision> out(requests.size());
  for (size_t i = 0; i < requests.size(); ++i)
    out[i].action = search(*requests[i].state, requests[i].player, requests[i].seed);
  return out;
}

}  // namespace arena
