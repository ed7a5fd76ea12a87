#include "arena/ratings.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/core.h>

#include "games/api/registry.h"
#include "games/api/rng.h"
#include "arena/text_table.h"

namespace arena {
namespace {

constexpr double kPriorVariance = 9.0;  // N(0, 3^2) on log-strengths
const double kEloScale = 400.0 / std::log(10.0);

// Solves A x = b in place (small dense systems); A is symmetric positive definite here.
std::vector<double> solve(std::vector<std::vector<double>> a, std::vector<double> b) {
  const int n = static_cast<int>(b.size());
  for (int c = 0; c < n; ++c) {
    int piv = c;
    for (int r = c + 1; r < n; ++r)
      if (std::fabs(a[r][c]) > std::fabs(a[piv][c])) piv = r;
    std::swap(a[c], a[piv]);
    std::swap(b[c], b[piv]);
    for (int r = 0; r < n; ++r) {
      if (r == c || a[c][c] == 0) continue;
      const double f = a[r][c] / a[c][c];
      for (int k = c; k < n; ++k) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  for (int c = 0; c < n; ++c) b[c] = a[c][c] != 0 ? b[c] / a[c][c] : 0;
  return b;
}

std::string outcome_of(const std::vector<double>& r, size_t seat) {
  double best_other = -1e300;
  for (size_t k = 0; k < r.size(); ++k)
    if (k != seat) best_other = std::max(best_other, r[k]);
  if (r[seat] > best_other + 1e-12) return "w";
  if (r[seat] < best_other - 1e-12) return "l";
  return "d";
}

void add(WinDrawLoss& w, const std::string& o, double ret) {
  if (o == "w") ++w.wins;
  else if (o == "d") ++w.draws;
  else ++w.losses;
  w.return_sum += ret;
}

}  // namespace

std::vector<double> fit_bradley_terry(int k, const std::vector<Comparison>& comps, std::vector<double>* se) {
  std::vector<double> t(k, 0.0);
  std::vector<std::vector<double>> info(k, std::vector<double>(k, 0.0));
  for (int iter = 0; iter < 100; ++iter) {
    std::vector<double> grad(k, 0.0);
    for (auto& row : info) std::fill(row.begin(), row.end(), 0.0);
    for (int a = 0; a < k; ++a) {
      grad[a] = -t[a] / kPriorVariance;
      info[a][a] = 1.0 / kPriorVariance;
    }
    for (const auto& c : comps) {
      const double p = 1.0 / (1.0 + std::exp(t[c.j] - t[c.i]));
      grad[c.i] += c.score - p;
      grad[c.j] -= c.score - p;
      const double w = p * (1 - p);
      info[c.i][c.i] += w;
      info[c.j][c.j] += w;
      info[c.i][c.j] -= w;
      info[c.j][c.i] -= w;
    }
    auto step = solve(info, grad);
    double change = 0;
    for (int a = 0; a < k; ++a) {
      t[a] += step[a];
      change = std::max(change, std::fabs(step[a]));
    }
    if (change < 1e-10) break;
  }
  double mean = 0;
  for (double v : t) mean += v / k;
  for (double& v : t) v -= mean;
  if (se) {
    // Covariance of the centred estimates: C (info)^-1 C with C = I - 11'/k.
    std::vector<std::vector<double>> cov(k, std::vector<double>(k));
    for (int a = 0; a < k; ++a) {
      std::vector<double> e(k, 0.0);
      e[a] = 1.0;
      auto col = solve(info, e);
      for (int b = 0; b < k; ++b) cov[b][a] = col[b];
    }
    std::vector<double> row_mean(k, 0.0), col_mean(k, 0.0);
    double all = 0;
    for (int a = 0; a < k; ++a)
      for (int b = 0; b < k; ++b) {
        row_mean[a] += cov[a][b] / k;
        col_mean[b] += cov[a][b] / k;
        all += cov[a][b] / (k * k);
      }
    se->assign(k, 0.0);
    for (int a = 0; a < k; ++a) (*se)[a] = std::sqrt(std::max(0.0, cov[a][a] - row_mean[a] - col_mean[a] + all));
  }
  return t;
}

ResultsSummary summarize(const std::vector<MatchRow>& matches, int bootstrap_samples) {
  ResultsSummary s;
  std::map<std::string, Utility> utility;
  std::map<std::pair<std::string, std::string>, AgentGameResult> results;
  std::map<std::pair<std::string, std::string>, std::vector<double>> team_scores;
  std::vector<std::string> agents;
  auto agent_index = [&](const std::string& a) {
    auto it = std::find(agents.begin(), agents.end(), a);
    if (it != agents.end()) return static_cast<int>(it - agents.begin());
    agents.push_back(a);
    return static_cast<int>(agents.size()) - 1;
  };
  std::vector<std::vector<Comparison>> per_match;  // for the bootstrap
  for (const auto& m : matches) {
    if (m.status != "done" || m.returns.size() != m.seat_specs.size()) continue;
    ++s.matches;
    if (m.outcome.rfind("forfeit", 0) == 0) ++s.forfeits;
    if (!utility.count(m.game)) utility[m.game] = load_game(m.game)->type().utility;
    const std::string short_name = m.game.substr(0, m.game.find('('));
    if (utility[m.game] == Utility::kIdentical) {
      std::string team;
      for (const auto& a : m.seat_specs) team += (team.empty() ? "" : " + ") + a;
      team_scores[{m.game, team}].push_back(m.returns[0]);
      continue;
    }
    for (size_t seat = 0; seat < m.seat_specs.size(); ++seat) {
      auto& r = results[{m.seat_specs[seat], m.game}];
      r.agent = m.seat_specs[seat];
      r.game = m.game;
      if (r.by_seat.size() < m.seat_specs.size()) r.by_seat.resize(m.seat_specs.size());
      const auto o = outcome_of(m.returns, seat);
      add(r.total, o, m.returns[seat]);
      add(r.by_seat[seat], o, m.returns[seat]);
      agent_index(m.seat_specs[seat]);
    }
    std::vector<Comparison> comps;
    for (size_t i = 0; i < m.seat_specs.size(); ++i)
      for (size_t j = i + 1; j < m.seat_specs.size(); ++j) {
        if (m.seat_specs[i] == m.seat_specs[j]) continue;
        const double d = m.returns[i] - m.returns[j];
        comps.push_back({agent_index(m.seat_specs[i]), agent_index(m.seat_specs[j]),
                         d > 1e-12 ? 1.0 : d < -1e-12 ? 0.0 : 0.5});
      }
    if (!comps.empty()) per_match.push_back(std::move(comps));
  }
  for (auto& [key, r] : results) s.results.push_back(r);
  for (auto& [key, scores] : team_scores) {
    TeamScore t{key.first, key.second, static_cast<int>(scores.size()), 0, 0};
    for (double v : scores) t.mean += v / scores.size();
    double var = 0;
    for (double v : scores) var += (v - t.mean) * (v - t.mean);
    if (scores.size() > 1) t.ci95 = 1.96 * std::sqrt(var / (scores.size() - 1) / scores.size());
    s.teams.push_back(t);
  }
  const int k = static_cast<int>(agents.size());
  if (k >= 2 && !per_match.empty()) {
    std::vector<Comparison> all;
    std::vector<int> count(k, 0);
    for (const auto& pm : per_match)
      for (const auto& c : pm) {
        all.push_back(c);
        ++count[c.i];
        ++count[c.j];
      }
    std::vector<double> se;
    auto t = fit_bradley_terry(k, all, &se);
    std::vector<std::vector<double>> boot(k);
    Rng rng(12345);
    for (int b = 0; b < bootstrap_samples; ++b) {
      std::vector<Comparison> sample;
      for (size_t n = 0; n < per_match.size(); ++n) {
        const auto& pm = per_match[rng.uniform_int(per_match.size())];
        sample.insert(sample.end(), pm.begin(), pm.end());
      }
      auto tb = fit_bradley_terry(k, sample);
      for (int a = 0; a < k; ++a) boot[a].push_back(tb[a]);
    }
    for (int a = 0; a < k; ++a) {
      Rating r;
      r.agent = agents[a];
      r.comparisons = count[a];
      r.bt = t[a];
      r.bt_lo = t[a] - 1.96 * se[a];
      r.bt_hi = t[a] + 1.96 * se[a];
      r.elo = 1500 + kEloScale * t[a];
      if (!boot[a].empty()) {
        std::sort(boot[a].begin(), boot[a].end());
        const size_t n = boot[a].size();
        r.elo_lo = 1500 + kEloScale * boot[a][static_cast<size_t>(0.025 * (n - 1))];
        r.elo_hi = 1500 + kEloScale * boot[a][static_cast<size_t>(std::ceil(0.975 * (n - 1)))];
      }
      s.ratings.push_back(r);
    }
    std::sort(s.ratings.begin(), s.ratings.end(), [](const Rating& x, const Rating& y) { return x.elo > y.elo; });
  }
  return s;
}

}  // namespace arena

namespace arena {

std::string render_summary(const ResultsSummary& s) {
  std::string out;
  if (!s.results.empty()) {
    std::set<std::string> games;
    for (const auto& r : s.results) games.insert(r.game);
    for (const auto& g : games) {
      Table t({"agent", "W/D/L", "mean return", "seat 0 (first) W/D/L", "seat 1 W/D/L"});
      for (const auto& r : s.results) {
        if (r.game != g) continue;
        auto wdl = [](const WinDrawLoss& w) { return fmt::format("{}/{}/{}", w.wins, w.draws, w.losses); };
        t.add({r.agent, wdl(r.total), fmt::format("{:+.3f}", r.total.n() ? r.total.return_sum / r.total.n() : 0.0),
               r.by_seat.size() > 0 ? wdl(r.by_seat[0]) : "", r.by_seat.size() > 1 ? wdl(r.by_seat[1]) : ""});
      }
      out += "== " + g + "\n" + t.render({2}) + "\n";
    }
  }
  if (!s.ratings.empty()) {
    Table t({"agent", "Elo", "Elo 95% CI", "BT log-strength", "BT 95% CI", "comparisons"});
    for (const auto& r : s.ratings)
      t.add({r.agent, fmt::format("{:.0f}", r.elo), fmt::format("[{:.0f}, {:.0f}]", r.elo_lo, r.elo_hi),
             fmt::format("{:+.3f}", r.bt), fmt::format("[{:+.3f}, {:+.3f}]", r.bt_lo, r.bt_hi),
             std::to_string(r.comparisons)});
    out += "== Ratings over all competitive games (Bradley-Terry; Elo CI by bootstrap, BT CI by standard error)\n" +
           t.render({1, 3, 5}) + "\n";
  }
  if (!s.teams.empty()) {
    Table t({"game", "team (seat order)", "matches", "mean score", "95% CI"});
    for (const auto& tm : s.teams)
      t.add({tm.game, tm.team, std::to_string(tm.n), fmt::format("{:.3f}", tm.mean),
             fmt::format("+-{:.3f}", tm.ci95)});
    out += "== Cooperative games: mean score per team\n" + t.render({2, 3}) + "\n";
  }
  out += fmt::format("{} matches{}\n", s.matches, s.forfeits ? fmt::format(", {} ended by forfeit", s.forfeits) : "");
  return out;
}

}  // namespace arena
