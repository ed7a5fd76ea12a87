// spo_single — Single-stream Policy Optimization (arXiv 2509.13232): a persistent per-prompt success tracker as the
// baseline, with KL-adaptive forgetting. The prompt of a trajectory is its group id.
//
//   y_j  = (R_j − reward_min)/(reward_max − reward_min) ∈ [0, 1]      R_j = the trajectory's total reward
//   p̂_x  = α_x/(α_x + β_x)               tracker of prompt x BEFORE this step's update (unseen prompt: α = β = 0.5)
//   a_j  = y_j − p̂_{x(j)};  A_j = (a_j − mean_batch a)/(std_batch a + ε)        (normalize = true; ddof 1, ε 1e-8)
//   after the policy update (observe_policy_shift), per prompt x of the batch with divergence D_x:
//     ρ_x = clamp(2^(−D_x/D_half), ρ_min, ρ_max)       (forgetting = kl_adaptive; constant: ρ = rho)
//     α_x ← ρ_x·α_x + y_j;  β_x ← ρ_x·β_x + (1 − y_j)
//
// D_x is the caller's measure of how far the policy moved on x's previously stored response (mean |Δ log p| over its
// tokens); a prompt without a reported D, or a batch whose update was never observed when the next compute() comes,
// uses D = 0. A prompt seen twice in one batch: duplicates = last (one update with the last reward, as the reference
// trainer's last-write-wins) | sequential (one forgetting step per occurrence, in trajectory order).
// Every turn of a trajectory gets A_j; returns = R_j. Out-of-range rewards are an arena::Error.
// Options: forgetting = kl_adaptive | constant; rho_min = 0.875, rho_max = 0.96, half_life = 0.06 (kl_adaptive);
// rho = 0.875 (constant); reward_min = 0, reward_max = 1; normalize = true, and with it ddof = 1, eps = 1e-8,
// eps_mode = add_to_std, singleton = zero (a batch of one sample); duplicates = last | sequential.
// Degenerate: all a equal → A = 0.
// State: {"estimator": "spo_single", "version": 1, "trackers": [{"prompt", "alpha", "beta"}],
//         "pending": [{"prompt", "reward"}]} (pending = this step's rewards not yet folded in).
#pragma once

#include <map>
#include <utility>

#include "trainer/estimators/estimator.h"

namespace arena::estimators {

class SpoSingle : public EstimatorBase {
 public:
  explicit SpoSingle(const nlohmann::json& options);
  std::string name() const override { return "spo_single"; }
  EstimatorOutput compute(const TurnBatch& batch) override;
  void observe_policy_shift(std::span<const std::int64_t> group, std::span<const double> divergence) override;

  bool stateful() const override { return true; }
  nlohmann::json save_state() const override;
  void load_state(const nlohmann::json& state) override;

  // Offline initialization from `successes` of `samples` attempts by the initial policy:
  //   N_init = 1/(1 − ρ_min);  α = N_init·(s + 0.5)/(N + 1);  β = N_init·(N − s + 0.5)/(N + 1);  N = 0 → α = β = 0.5
  void seed_prompt(std::int64_t prompt, std::int64_t successes, std::int64_t samples);
  std::pair<double, double> tracker(std::int64_t prompt) const;  // (α, β)
  double success_estimate(std::int64_t prompt) const;           // p̂
  // Prioritized-sampling weight of a prompt: √(p̂(1 − p̂)) + 0.05.
  double sampling_weight(std::int64_t prompt) const;

 private:
  void apply_pending(const std::map<std::int64_t, double>& divergence);
  double rho(double divergence) const;

  bool constant_;
  double rho_const_ = 0.875, rho_min_ = 0.875, rho_max_ = 0.96, half_life_ = 0.06;
  double reward_min_, reward_max_;
  bool normalize_;
  ZScoreOptions z_;
  bool sequential_;
  std::map<std::int64_t, std::pair<double, double>> trackers_;
  std::vector<std::pair<std::int64_t, double>> pending_;  // (prompt, y) in trajectory order
};

}  // namespace arena::estimators
