// reinforce_pp_baseline — REINFORCE++ with a group-mean baseline (Hu, arXiv 2501.03262), then batch whitening.
//
//   a_i = s_i − μ_g                       per sample, group baseline
//   A   = (a − μ) · s                     every turn carries its sample's a; μ, σ² token-weighted over all turns
//                                         of the batch (as reinforce_pp), s = 1/√(σ² + ε) for add_to_var
//
// Token-weighting a per-sample constant equals sample statistics weighted by the sample's token count.
// returns = s_i. Options: unit = trajectory | turn; singleton = raw (μ = 0: a = s, verl) | zero; ddof = 1;
// eps = 1e-8; eps_mode = add_to_var | add_to_std | clamp_var. Degenerate whitening (W − ddof ≤ 0, all a equal) → 0.
#pragma once

#include "trainer/estimators/estimator.h"

namespace arena::estimators {

class ReinforcePPBaseline : public EstimatorBase {
 public:
  explicit ReinforcePPBaseline(const nlohmann::json& options);
  std::string name() const override { return "reinforce_pp_baseline"; }
  EstimatorOutput compute(const TurnBatch& batch) override;

 private:
  SampleUnit unit_;
  Singleton singleton_;
  ZScoreOptions z_;
};

}  // namespace arena::estimators
