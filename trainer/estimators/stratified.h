// stratified — Stratified GRPO's Stratified Advantage Normalization, blended with GRPO (arXiv 2510.06214).
//
//   A_GN(i)  = (s_i − μ_g)/(σ_g + ε)                       over the samples of group g (= grpo)
//   A_SAN(i) = (s_i − μ_{g,h})/(σ_{g,h} + ε)               over the samples of group g in stratum h
//   A(i)     = α·A_SAN(i) + (1 − α)·A_GN(i)
//
// The stratum comes from the sample's structure (option `stratum`): num_turns (its trajectory's number of turns, the
// analogue of the paper's number of search calls), role, game, or game_role. A one-sample stratum has A_SAN = 0 (its
// numerator is 0), so the blend falls back to (1 − α)·A_GN; a zero-variance group or stratum gives 0 in that term.
// returns = s_i. Options: unit = trajectory | turn; stratum = num_turns | role | game | game_role; alpha = 0.8
// ([0, 1]; the paper's value is not public, 0.8 is this library's choice); ddof = 1; eps = 1e-6;
// eps_mode = add_to_std | add_to_var | clamp_var; singleton = raw | zero (for A_GN's one-sample groups, as grpo).
#pragma once

#include "trainer/estimators/estimator.h"

namespace arena::estimators {

class Stratified : public EstimatorBase {
 public:
  explicit Stratified(const nlohmann::json& options);
  std::string name() const override { return "stratified"; }
  EstimatorOutput compute(const TurnBatch& batch) override;

 private:
  SampleUnit unit_;
  std::string stratum_;
  double alpha_;
  ZScoreOptions z_;
};

}  // namespace arena::estimators
