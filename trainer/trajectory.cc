#include "trainer/trajectory.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace arena::trainer {

std::vector<LearnerTurn> learner_turns(const std::vector<TurnRow>& turns, const std::vector<double>& returns,
                                       bool normal, const std::vector<Player>& learner_seats, double draw_bonus) {
  const int n = static_cast<int>(returns.size());
  std::vector<std::vector<LearnerTurn>> by_seat(n);
  std::vector<double> pending(n, 0.0), total(n, 0.0);
  for (const auto& row : turns) {
    if (row.player >= 0 && row.player < n) {
      LearnerTurn t;
      t.seat = row.player;
      t.turn = static_cast<int>(by_seat[row.player].size());
      t.ply = row.ply;
      t.action = row.action;
      t.logprob = row.logprob ? *row.logprob : std::numeric_limits<double>::quiet_NaN();
      t.reward = pending[row.player];
      pending[row.player] = 0;
      by_seat[row.player].push_back(t);
    }
    for (int p = 0; p < n && p < static_cast<int>(row.rewards.size()); ++p) {
      const double r = row.rewards[p];
      total[p] += r;
      if (by_seat[p].empty()) pending[p] += r;
      else by_seat[p].back().reward += r;
    }
  }
  bool all_zero = normal;
  for (double r : returns) all_zero = all_zero && r == 0.0;
  std::vector<LearnerTurn> out;
  std::vector<Player> seats = learner_seats;
  std::sort(seats.begin(), seats.end());
  for (Player p : seats) {
    if (p < 0 || p >= n || by_seat[p].empty()) continue;
    auto& last = by_seat[p].back();
    const double missing = returns[p] - total[p];
    if (std::abs(missing) > 1e-12) last.reward += missing;
    if (all_zero) last.reward += draw_bonus;
    out.insert(out.end(), by_seat[p].begin(), by_seat[p].end());
  }
  return out;
}

}  // namespace arena::trainer
