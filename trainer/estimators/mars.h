// mars — MARS's turn-level advantage with agent-specific normalization (arXiv 2510.15414), in two modes.
//
// mode = paper (the paper's description):
//   R_{i,k} = Σ_{k'≥k} γ^{k'−k} r_{i,k'}                     turn-level return of turn k of trajectory i
//   A_{i,k} = (R_{i,k} − μ_P)/(σ_P + ε)                      μ_P, σ_P over the turns of pool P = (game, role)
//   returns = R. Options: ddof = 1, eps = 1e-6, eps_mode = add_to_std, singleton = zero (a pool with one turn).
//
// mode = code (the released training pipeline, computed per turn; the return is constant over a turn's tokens):
//   1. r'_k  = r_k − μ_P                    μ_P = mean per-turn reward of pool P = (game, role)   (one turn → 0)
//   2. r''_k = s·r'_k,  s = 1/√(Σ_k r'_k² / (N − 1) + ε)     token whitening of rewards that sit on one token per
//                                            turn; their token mean is exactly 0 after step 1, so this is a rescale.
//                                            N = Σ tokens (turns when no token counts); N ≤ 1 → s = 1
//   3. G_k   = r''_k + γ·G_{k+1}            reward-to-go per trajectory (γ per turn)
//   4. U_Q   = the distinct values of G over the turns of pool Q = role (all games), plus 0 (a trajectory row's
//              padding), deduplicated with |x − u| ≤ tol·max(1, |u|);  G' = G − mean(U_Q), or G' = 0 for the whole
//              pool when |U_Q| = 1 or std(U_Q) = 0
//   5. A     = (G' − μ)/√(σ² + ε)            μ, σ² token-weighted over all turns of the batch, σ² unbiased (N − 1);
//                                            N ≤ 1 or σ² = 0 → A = 0
//   returns = G (step 3). Options: whiten_rewards = true (off: s = 1), eps = 1e-8 (steps 2 and 5),
//   unique_tolerance = 1e-9.
//
// Common options: mode = code | paper; gamma = 1 ([0, 1]); turn_level = true (false: every turn gets its
// trajectory's total, R_{i,0} in paper mode and G_{i,0} in code mode); agent_specific = true (false: pools ignore the
// role, so P = game and Q = the whole batch). The group id is not used.
#pragma once

#include <map>
#include <utility>

#include "trainer/estimators/estimator.h"
#include "trainer/estimators/primitives.h"

namespace arena::estimators {

struct MarsOptions {
  enum class Mode { kCode, kPaper };
  Mode mode = Mode::kCode;
  double gamma = 1.0;
  bool turn_level = true;
  bool agent_specific = true;
  ZScoreOptions paper{1, 1e-6, EpsMode::kAddToStd, Singleton::kZero};
  bool whiten_rewards = true;
  double code_eps = 1e-8;
  double unique_tolerance = 1e-9;
};

// Reads and validates the options; `resolved` receives them with defaults filled in.
MarsOptions read_mars_options(const nlohmann::json& options, nlohmann::json* resolved = nullptr);

// Every intermediate of one computation, for tests and diagnostics. Pool keys are (game, role), with role 0 when
// agent_specific is off; distinct-value keys are the role (0 when agent_specific is off).
struct MarsTrace {
  std::map<std::pair<std::int64_t, std::int64_t>, Moments> pool;  // code: per-turn rewards; paper: returns R
  std::vector<double> centered_reward;                             // code step 1, per row
  double reward_scale = 1.0;                                       // code step 2's s
  std::vector<double> returns;                                     // code step 3's G, paper's R, per row
  std::map<std::int64_t, DistinctStats> distinct;                  // code step 4's U per role
  std::vector<double> centered_return;                             // code step 4's G', per row
  std::vector<double> advantage;                                   // per row
};
MarsTrace mars_trace(const TurnBatch& batch, const MarsOptions& options);

class Mars : public EstimatorBase {
 public:
  explicit Mars(const nlohmann::json& options);
  std::string name() const override { return "mars"; }
  EstimatorOutput compute(const TurnBatch& batch) override;

 private:
  MarsOptions o_;
};

}  // namespace arena::estimators
