// dr_grpo — Dr. GRPO (arXiv 2503.20783): GRPO without the division by the group's standard deviation.
//
//   A_i = (s_i − μ_g) / C
//
// C (option `scale`, default 1) is the constant that replaces per-sequence length normalization; passing the maximum
// generation length folds Dr. GRPO's constant loss divisor into the advantage (then aggregate the loss by token sum).
// returns = s_i. Options: unit = trajectory | turn; scale = 1 (> 0); singleton = raw (μ = 0: A = s/C, verl) | zero.
#pragma once

#include "trainer/estimators/estimator.h"

namespace arena::estimators {

class DrGrpo : public EstimatorBase {
 public:
  explicit DrGrpo(const nlohmann::json& options);
  std::string name() const override { return "dr_grpo"; }
  EstimatorOutput compute(const TurnBatch& batch) override;

 private:
  SampleUnit unit_;
  double scale_;
  Singleton singleton_;
};

}  // namespace arena::estimators
