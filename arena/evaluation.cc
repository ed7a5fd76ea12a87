#include "arena/evaluation.h"

#include <algorithm>

#include <cmath>
#include <map>
#include <tuple>

#include <fmt/core.h>

#include "arena/text_table.h"
#include "games/api/registry.h"

namespace arena {

Interval wilson95(int k, int n) {
  if (n == 0) return {0, 1};
  const double z = 1.96, p = static_cast<double>(k) / n, z2 = z * z;
  const double center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

std::vector<EvalRow> evaluation_rows(const std::vector<MatchRow>& matches, const std::string& agent) {
  std::map<std::tuple<std::string, std::string, int>, std::vector<double>> returns;
  std::map<std::tuple<std::string, std::string, int>, EvalRow> rows;
  std::map<std::string, GamePtr> games;
  for (const auto& m : matches) {
    if (m.status != "done") continue;
    if (!games.count(m.game)) games[m.game] = load_game(m.game);
    const auto& g = *games[m.game];
    const bool coop = g.type().utility == Utility::kIdentical;
    for (size_t seat = 0; seat < m.seat_specs.size(); ++seat) {
      if (m.seat_specs[seat] != agent) continue;
      std::string opponent = "self-play";
      for (size_t o = 0; o < m.seat_specs.size(); ++o)
        if (m.seat_specs[o] != agent) opponent = m.seat_specs[o];
      const int seat_key = coop ? -1 : static_cast<int>(seat);
      auto key = std::make_tuple(m.game, opponent, seat_key);
      auto& r = rows[key];
      r.game = m.game;
      r.opponent = opponent;
      r.seat = seat_key;
      ++r.n;
      double best_other = -1e300;
      for (size_t o = 0; o < m.returns.size(); ++o)
        if (o != seat) best_other = std::max(best_other, m.returns[o]);
      if (coop) {
        // Everyone shares the score; count reaching the maximum as a win.
        if (m.returns[seat] >= g.max_utility() - 1e-9) ++r.wins;
        else ++r.losses;
      } else if (m.returns[seat] > best_other + 1e-12) {
        ++r.wins;
      } else if (m.returns[seat] < best_other - 1e-12) {
        ++r.losses;
      } else {
        ++r.draws;
      }
      const double lo = coop ? 0.0 : g.min_utility(), hi = g.max_utility();
      // A forfeit's penalty can take a return below the game's minimum utility: it counts as the worst result.
      returns[key].push_back(hi > lo ? std::clamp((m.returns[seat] - lo) / (hi - lo), 0.0, 1.0) : 0.0);
      r.mean_return += m.returns[seat];
      if (coop) break;  // one row per match in self-play
    }
  }
  std::vector<EvalRow> out;
  for (auto& [key, r] : rows) {
    r.mean_return /= r.n;
    const auto& v = returns[key];
    double mean = 0, var = 0;
    for (double x : v) mean += x / v.size();
    for (double x : v) var += (x - mean) * (x - mean);
    r.normalized = mean;
    r.normalized_ci = v.size() > 1 ? 1.96 * std::sqrt(var / (v.size() - 1) / v.size()) : 0;
    out.push_back(r);
  }
  return out;
}

std::string render_evaluation(const std::vector<EvalRow>& rows) {
  Table t({"game", "opponent", "seat", "n", "W/D/L", "win rate [95% CI]", "mean return", "normalized [95% CI]"});
  for (const auto& r : rows) {
    auto ci = wilson95(r.wins, r.n);
    t.add({r.game, r.opponent, r.seat < 0 ? "all" : std::to_string(r.seat), std::to_string(r.n),
           fmt::format("{}/{}/{}", r.wins, r.draws, r.losses),
           fmt::format("{:.3f} [{:.3f}, {:.3f}]", r.n ? double(r.wins) / r.n : 0.0, ci.lo, ci.hi),
           fmt::format("{:+.3f}", r.mean_return),
           fmt::format("{:.3f} [{:.3f}, {:.3f}]", r.normalized, r.normalized - r.normalized_ci,
                       r.normalized + r.normalized_ci)});
  }
  return t.render({3, 6});
}

}  // namespace arena
