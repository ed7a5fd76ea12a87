#include "agents/tabular/minimax.h"

#include <cmath>
#include <functional>

#include "games/api/rng.h"

namespace arena {

MinimaxSolver::MinimaxSolver(const Game& game, std::int64_t max_states)
    : game_(game.to_string()), max_states_(max_states) {
  const auto& t = game.type();
  if (t.information != Information::kPerfect)
    throw Error("minimax needs a perfect-information game; " + game_ + " has imperfect information (use cfr)");
  if (game.num_players() != 2 || (t.utility != Utility::kZeroSum && t.utility != Utility::kConstantSum))
    throw Error("minimax needs a two-player zero-sum game; " + game_ + " is " + std::string(to_string(t.utility)));
}

double MinimaxSolver::value(const State& s) {
  if (s.is_terminal()) return s.returns()[0];
  std::string key = s.to_string();
  key += '|';
  key += std::to_string(s.current_player());
  auto it = memo_.find(key);
  if (it != memo_.end()) return it->second;
  if (static_cast<std::int64_t>(memo_.size()) >= max_states_)
    throw Error("minimax: " + game_ + " is too large to solve exactly from this position (more than " +
                std::to_string(max_states_) + " states); use mcts, or minimax(max_states=...) with more memory");
  double v;
  if (s.is_chance_node()) {
    v = 0;
    for (auto [a, p] : s.chance_outcomes()) {
      auto c = s.clone();
      c->apply_action(a);
      v += p * value(*c);
    }
  } else {
    const bool maximize = s.current_player() == 0;
    v = maximize ? -1e300 : 1e300;
    for (Action a : s.legal_actions()) {
      auto c = s.clone();
      c->apply_action(a);
      const double cv = value(*c);
      v = maximize ? std::max(v, cv) : std::min(v, cv);
    }
  }
  memo_.emplace(std::move(key), v);
  return v;
}

MinimaxSolver& MinimaxAgent::solver_for(const Game& game) {
  const std::string g = game.to_string();
  auto it = solvers_.find(g);
  if (it == solvers_.end()) it = solvers_.emplace(g, std::make_unique<MinimaxSolver>(game, max_states_)).first;
  return *it->second;
}

std::vector<Decision> MinimaxAgent::act(std::span<const DecisionRequest> requests) {
  std::vector<Decision> out(requests.size());
  // One memo per game, shared by every call: positions solved once stay solved.
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < requests.size(); ++i) {
    const State& s = *requests[i].state;
    auto& solver = solver_for(s.game());
    const double sign = requests[i].player == 0 ? 1.0 : -1.0;
    std::vector<Action> best;
    double top = -1e300;
    for (Action a : s.legal_actions()) {
      auto c = s.clone();
      c->apply_action(a);
      const double v = sign * solver.value(*c);
      if (v > top + 1e-12) {
        top = v;
        best = {a};
      } else if (std::fabs(v - top) <= 1e-12) {
        best.push_back(a);
      }
    }
    Rng rng(requests[i].seed);
    out[i].action = best[rng.uniform_int(best.size())];
  }
  return out;
}

}  // namespace arena
