// grpo — Group Relative Policy Optimization (DeepSeekMath, arXiv 2402.03300).
//
//   A_i = (s_i − μ_g) / (σ_g + ε)         over the samples i of group g (the batch's group id)
//
// s_i is the sample score (option `unit`: a trajectory's total reward, or a turn's reward-to-go); every turn of a
// trajectory sample gets A_i. returns = s_i.
// Options: unit = trajectory | turn; ddof = 1 (σ² = M2/(n − ddof)); eps = 1e-6; eps_mode = add_to_std | add_to_var |
// clamp_var; singleton = raw (μ = 0, σ = 1: A = s/(1+ε), verl's behaviour) | zero.
// Degenerate: a group whose scores are all equal gets A = 0; empty batch → empty output.
#pragma once

#include "trainer/estimators/estimator.h"

namespace arena::estimators {

class Grpo : public EstimatorBase {
 public:
  explicit Grpo(const nlohmann::json& options);
  std::string name() const override { return "grpo"; }
  EstimatorOutput compute(const TurnBatch& batch) override;

 private:
  SampleUnit unit_;
  ZScoreOptions z_;
};

}  // namespace arena::estimators
