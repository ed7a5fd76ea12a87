#include "trainer/estimators/reinforce_pp.h"

#include "trainer/estimators/primitives.h"

namespace arena::estimators {

ReinforcePP::ReinforcePP(const nlohmann::json& options) {
  OptionReader r("reinforce_pp", options);
  gamma_ = r.number("gamma", 1.0, 0.0, 1.0);
  z_ = read_zscore_options(r, ZScoreOptions{1, 1e-8, EpsMode::kAddToVar, Singleton::kZero}, false);
  options_ = r.finish();
}

EstimatorOutput ReinforcePP::compute(const TurnBatch& batch) {
  EstimatorOutput out = make_output(batch.size());
  const TrajectoryIndex index = index_trajectories(batch);
  out.returns = reward_to_go(batch, index, gamma_);
  const Whitening w = whitening(out.returns, turn_weights(batch), z_.ddof, z_.eps, z_.eps_mode);
  for (std::size_t i = 0; i < batch.size(); ++i) out.advantage[i] = w.apply(out.returns[i]);
  return out;
}

}  // namespace arena::estimators
