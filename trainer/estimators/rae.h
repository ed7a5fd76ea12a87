// rae — SPIRAL's Role-conditioned Advantage Estimation (arXiv 2506.24119): a persistent exponential-moving-average
// baseline per (game, role).
//
//   R_j        = Σ_k r_{j,k}                              the trajectory's total reward (its role's game outcome)
//   pre_update:  b = B[key];  B[key] ← α·B[key] + (1−α)·R_j;  A_j = R_j − b      (SPIRAL's code, default)
//   post_update: B[key] ← α·B[key] + (1−α)·R_j;  b = B[key];  A_j = R_j − b      (the paper's order)
//   turn k of the trajectory's n turns (k = 0..n−1):  A_{j,k} = A_j · γ^(n−1−k),  returns = R_j · γ^(n−1−k)
//
// Updates are sequential over the batch's trajectories in ascending trajectory id (a per-key EMA scan), so a key
// seen twice in one batch sees its first update. B starts at `initial_baseline` for every key. drop_zero marks turns
// with A_{j,k} == 0 exactly as keep = 0 (SPIRAL's filter of zero-advantage samples).
// Options: alpha = 0.95 ([0, 1]); baseline = pre_update | post_update; key = game_role | role (role: one baseline per
// role over all games, as SPIRAL's single-game code keys it); gamma = 1 ([0, 1]); drop_zero = true;
// initial_baseline = 0.
// State: the baseline table {"estimator": "rae", "version": 1, "key": ..., "baselines": [{"game", "role", "value"}]}.
#pragma once

#include <functional>
#include <map>
#include <utility>

#include "trainer/estimators/estimator.h"

namespace arena::estimators {

class Rae : public EstimatorBase {
 public:
  explicit Rae(const nlohmann::json& options);
  std::string name() const override { return "rae"; }
  EstimatorOutput compute(const TurnBatch& batch) override;

  // The EMA scan over the batch's samples, with segmented_ema_scan's contract (primitives.h); compute() uses that
  // CPU function, and compute_with() lets a caller run the same step elsewhere (the CUDA kernel).
  using EmaScan = std::function<void(std::span<const std::int32_t> key, std::span<const double> x, double alpha,
                                     std::span<double> table, std::span<double> pre, std::span<double> post)>;
  EstimatorOutput compute_with(const TurnBatch& batch, const EmaScan& scan);

  bool stateful() const override { return true; }
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state) override;

  // The current baseline of (game, role) (game is ignored with key = role).
  double baseline(std::int64_t game, std::int64_t role) const;

 private:
  std::pair<std::int64_t, std::int64_t> key_of(std::int64_t game, std::int64_t role) const;

  double alpha_;
  bool post_update_;
  bool per_game_;
  double gamma_;
  bool drop_zero_;
  double initial_;
  std::map<std::pair<std::int64_t, std::int64_t>, double> baselines_;
};

}  // namespace arena::estimators
