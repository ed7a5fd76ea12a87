// Shared helpers for the estimator tests.
#pragma once

#include <string>
#include <vector>

#include "tests/catch_compat.h"
#include "trainer/estimators/estimator.h"

namespace arena::estimators::test {

inline void check_close(const std::vector<double>& actual, const std::vector<double>& expected, double tol = 1e-12) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    INFO("row " << i);
    CHECK(actual[i] == Approx(expected[i]).margin(tol).epsilon(tol));
  }
}

inline bool message_contains(const std::exception& e, const std::string& part) {
  return std::string(e.what()).find(part) != std::string::npos;
}

// The outcome batch shared by the group-estimator tests (rows deliberately out of order, one trajectory with a gap
// in its turn indices). Trajectory scores: 10 → 1, 11 → −1, 12 → 0.25, 13 → 0.6 (group 0); 20 → 2, 21 → 2
// (group 1, zero variance); 30 → 3 (group 2, a singleton).
inline TurnBatchData standard_batch(bool with_tokens = true) {
  // trajectory, turn, reward, game, role, group, tokens
  const std::vector<TurnRecord> rows = {
      {13, 1, 0.2, 1, 1, 0, 4}, {10, 0, 0.5, 0, 0, 0, 3}, {11, 2, -1.0, 0, 1, 0, 2}, {20, 0, 2.0, 0, 0, 1, 5},
      {10, 1, 0.5, 0, 0, 0, 1}, {13, 0, 0.1, 1, 1, 0, 2}, {12, 0, 0.25, 1, 0, 0, 6}, {21, 1, 1.0, 0, 1, 1, 1},
      {11, 0, 0.0, 0, 1, 0, 3}, {30, 0, 3.0, 0, 0, 2, 2}, {13, 2, 0.3, 1, 1, 0, 1}, {21, 0, 1.0, 0, 1, 1, 2},
  };
  TurnBatchData data;
  for (TurnRecord r : rows) {
    if (!with_tokens) r.tokens = -1;
    data.add(r);
  }
  return data;
}

}  // namespace arena::estimators::test
