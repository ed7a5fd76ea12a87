// rloo — REINFORCE Leave-One-Out (Ahmadian et al., arXiv 2402.14740).
//
//   A_i = s_i − (S_g − s_i)/(n_g − 1)  =  n_g/(n_g − 1) · (s_i − μ_g)        S_g = Σ_{j∈g} s_j
//
// computed in the first form. returns = s_i. Options: unit = trajectory | turn; singleton = raw (A = s, the loop
// form of verl) | zero (the vectorized form of verl, TRL).
#pragma once

#include "trainer/estimators/estimator.h"

namespace arena::estimators {

class Rloo : public EstimatorBase {
 public:
  explicit Rloo(const nlohmann::json& options);
  std::string name() const override { return "rloo"; }
  EstimatorOutput compute(const TurnBatch& batch) override;

 private:
  SampleUnit unit_;
  Singleton singleton_;
};

}  // namespace arena::estimators
