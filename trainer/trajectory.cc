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

std::vector<LearnerDecision> learner_decisions(const std::vector<TurnRow>& turns,
                                               const std::vector<RejectedRow>& rejected,
                                               const std::vector<double>& returns, bool normal,
                                               const std::vector<Player>& learner_seats, double draw_bonus,
                                               double format_bonus) {
  const auto valid = learner_turns(turns, returns, normal, learner_seats, draw_bonus);
  std::vector<Player> seats = learner_seats;
  std::sort(seats.begin(), seats.end());
  seats.erase(std::unique(seats.begin(), seats.end()), seats.end());
  std::vector<LearnerDecision> out;
  for (Player p : seats) {
    if (p < 0 || p >= static_cast<int>(returns.size())) continue;
    std::vector<LearnerDecision> seq;
    for (const auto& t : valid) {
      if (t.seat != p) continue;
      int attempt = 0;
      for (const auto& row : turns)
        if (row.ply == t.ply) attempt = row.retries;
      seq.push_back({p, t.ply, attempt, true, t.reward + format_bonus});
    }
    for (const auto& r : rejected)
      if (r.player == p) seq.push_back({p, r.ply, r.attempt, false, 0.0});
    if (seq.empty()) continue;
    std::stable_sort(seq.begin(), seq.end(), [](const LearnerDecision& a, const LearnerDecision& b) {
      return a.ply != b.ply ? a.ply < b.ply : a.attempt < b.attempt;
    });
    if (!seq.back().valid && !normal) {
      double total = 0;
      for (const auto& row : turns)
        if (p < static_cast<int>(row.rewards.size())) total += row.rewards[p];
      const double missing = returns[p] - total;
      bool moved = false;
      for (auto it = seq.rbegin(); it != seq.rend() && !moved; ++it)
        if (it->valid && std::abs(missing) > 1e-12) {
          it->reward -= missing;
          moved = true;
        }
      // Without a valid turn every reward of the seat belongs to the refused answer.
      bool any_valid = false;
      for (const auto& d : seq) any_valid = any_valid || d.valid;
      seq.back().reward += any_valid ? (moved ? missing : 0.0) : returns[p];
    }
    out.insert(out.end(), seq.begin(), seq.end());
  }
  return out;
}

}  // namespace arena::trainer
