// Evaluation tables: one agent against fixed opponents, per game, opponent and seat.
//   win rate with a Wilson 95% interval; mean return;
//   normalized return: competitive games (return - min utility) / (max utility - min utility), so 0 is the worst
//   possible result, 1 the best and a draw in a symmetric +-1 game 0.5; cooperative games score / max utility
//   (the fraction of the perfect score); clamped to [0, 1], so a forfeit whose penalty takes the return below the
//   minimum utility counts as the worst result.
#pragma once

#include <string>
#include <vector>

#include "arena/store.h"

namespace arena {

struct Interval {
  double lo = 0, hi = 0;
};
// Wilson score interval for `successes` out of `n` at 95%.
Interval wilson95(int successes, int n);

struct EvalRow {
  std::string game, opponent;
  int seat = 0;  // the evaluated agent's seat; -1 for cooperative self-play (every seat)
  int n = 0, wins = 0, draws = 0, losses = 0;
  double mean_return = 0, normalized = 0, normalized_ci = 0;
};

std::vector<EvalRow> evaluation_rows(const std::vector<MatchRow>& matches, const std::string& agent);
std::string render_evaluation(const std::vector<EvalRow>& rows);

}  // namespace arena
