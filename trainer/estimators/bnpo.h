// bnpo — Beta Normalization Policy Optimization (arXiv 2506.02864).
//
//   y_i  = (s_i − reward_min)/(reward_max − reward_min)         (must lie in [0, 1]; outside → arena::Error)
//   p_g  = mean_{i∈g} y_i                                        (singleton = raw: a one-sample group has p_g = 0,
//                                                                 the reference's quirk, A = w·y; zero: A = 0)
//   μ, v = mean and ddof-1 variance of p_g over the batch's groups   (one group: μ = 0, v = 1, as the reference)
//   a = (μ(1 − μ)/v − 1)·μ;  b = (μ(1 − μ)/v − 1)·(1 − μ)      (method-of-moments Beta(a, b) fit of p)
//   α = max(1 + a/3, 1);  β = max(1 + b/3, 1)                    (the variance-optimal normalizer's parameters)
//   w_g = min(1/BetaPDF(p_g; α, β), max_weight)  (w_g = max_weight where the pdf is 0);  A_i = w_g·(y_i − p_g)
//
// Guard: v = 0 (every group has the same p, at least two groups) would make a, b infinite; then α = β = 1 (w = 1,
// REINFORCE with a group baseline). α = β = 1 is plain REINFORCE with baseline; α = β = 3/2 is ∝ GRPO.
// returns = s_i. Options: unit = trajectory | turn; reward_min = 0; reward_max = 1; singleton = raw | zero;
// max_weight = 1e6.
#pragma once

#include "trainer/estimators/estimator.h"

namespace arena::estimators {

class Bnpo : public EstimatorBase {
 public:
  explicit Bnpo(const nlohmann::json& options);
  std::string name() const override { return "bnpo"; }
  EstimatorOutput compute(const TurnBatch& batch) override;

  // Beta(α, β) density at p, by lgamma; 0^0 = 1 at the edges.
  static double beta_pdf(double p, double alpha, double beta);

 private:
  SampleUnit unit_;
  double reward_min_, reward_max_;
  Singleton singleton_;
  double max_weight_;
};

}  // namespace arena::estimators
