// reinforce_pp — REINFORCE++ (Hu, arXiv 2501.03262): discounted return per turn, whitened over the batch.
//
//   G_k = r_k + γ·G_{k+1}                 per trajectory, over its turns in order (γ per turn)
//   A_k = (G_k − μ) · s                   μ, σ² token-weighted over every turn of the batch:
//                                         μ = Σ w_k G_k / W,  σ² = Σ w_k (G_k − μ)² / (W − ddof),  W = Σ w_k
//                                         s = 1/√(σ² + ε) (eps_mode add_to_var), w_k = the turn's tokens (or 1)
//
// Whitening a per-turn value over tokens equals these token-weighted turn statistics. returns = G.
// Options: gamma = 1 ([0, 1]); ddof = 1; eps = 1e-8; eps_mode = add_to_var | add_to_std | clamp_var.
// Degenerate: W − ddof ≤ 0 or all G equal → A = 0.
#pragma once

#include "trainer/estimators/estimator.h"

namespace arena::estimators {

class ReinforcePP : public EstimatorBase {
 public:
  explicit ReinforcePP(const nlohmann::json& options);
  std::string name() const override { return "reinforce_pp"; }
  EstimatorOutput compute(const TurnBatch& batch) override;

 private:
  double gamma_;
  ZScoreOptions z_;
};

}  // namespace arena::estimators
