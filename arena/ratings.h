// Results and ratings computed from stored matches alone (so `arena ratings` reproduces a tournament's table).
//
// Outcomes: in each match every seat's result is a win if its return is strictly the highest, a draw if tied for the
// highest, a loss otherwise. Ratings use pairwise comparisons between seats held by different agents in
// competitive games (win 1, draw 1/2, loss 0) under the Bradley-Terry model P(i beats j) = 1 / (1 + e^(t_j - t_i)),
// fitted by maximum a posteriori with a N(0, 3^2) prior on each log-strength t (so an agent that never loses still
// gets a finite rating), centred to mean 0.
//   - BT: the log-strength t with a 95% interval t +- 1.96 SE from the inverse Hessian of the log-posterior.
//   - Elo: 1500 + t * 400 / ln 10 with a 95% percentile interval from a bootstrap over matches.
// Cooperative games (identical utility) report the team's mean score with a 95% normal interval instead.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "arena/store.h"

namespace arena {

struct WinDrawLoss {
  int wins = 0, draws = 0, losses = 0;
  double return_sum = 0;
  int n() const { return wins + draws + losses; }
};

struct AgentGameResult {
  std::string agent;
  std::string game;
  WinDrawLoss total;
  std::vector<WinDrawLoss> by_seat;  // seat 0 = first mover
};

struct Rating {
  std::string agent;
  int comparisons = 0;
  double bt = 0, bt_lo = 0, bt_hi = 0;
  double elo = 1500, elo_lo = 1500, elo_hi = 1500;
};

struct TeamScore {
  std::string game;
  std::string team;  // seat specs joined with " + "
  int n = 0;
  double mean = 0, ci95 = 0;
};

struct ResultsSummary {
  int matches = 0;
  int forfeits = 0;
  std::vector<AgentGameResult> results;
  std::vector<Rating> ratings;
  std::vector<TeamScore> teams;
};

// Needs every game string to load (plugins loaded first). Bootstrap uses a fixed seed: same data, same table.
ResultsSummary summarize(const std::vector<MatchRow>& matches, int bootstrap_samples = 200);
std::string render_summary(const ResultsSummary& s);

// Bradley-Terry MAP fit on (i, j, score of i) comparisons; exposed for tests.
struct Comparison {
  int i = 0, j = 0;
  double score = 0;  // 1 win for i, 0.5 draw, 0 loss
};
std::vector<double> fit_bradley_terry(int num_agents, const std::vector<Comparison>& comparisons,
                                      std::vector<double>* std_errors = nullptr);

}  // namespace arena
