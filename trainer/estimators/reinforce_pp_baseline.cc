#include "trainer/estimators/reinforce_pp_baseline.h"

#include "trainer/estimators/primitives.h"

namespace arena::estimators {

ReinforcePPBaseline::ReinforcePPBaseline(const nlohmann::json& options) {
  OptionReader r("reinforce_pp_baseline", options);
  unit_ = read_unit(r);
  singleton_ = read_singleton(r, Singleton::kRaw);
  z_ = read_zscore_options(r, ZScoreOptions{1, 1e-8, EpsMode::kAddToVar, Singleton::kZero}, false);
  options_ = r.finish();
}

EstimatorOutput ReinforcePPBaseline::compute(const TurnBatch& batch) {
  EstimatorOutput out = make_output(batch.size());
  const TrajectoryIndex index = index_trajectories(batch);
  const Samples s = make_samples(batch, index, unit_);
  const DenseKeys groups = densify({s.group}, s.size());
  const auto moments = segmented_moments(groups.id, groups.count(), s.score);
  std::vector<double> centered(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const Moments& m = moments[groups.id[i]];
    if (m.count == 1) centered[i] = singleton_ == Singleton::kRaw ? s.score[i] : 0.0;
    else centered[i] = s.score[i] - m.mean;
  }
  const std::vector<double> per_turn = broadcast(s, centered);
  const Whitening w = whitening(per_turn, turn_weights(batch), z_.ddof, z_.eps, z_.eps_mode);
  for (std::size_t i = 0; i < batch.size(); ++i) out.advantage[i] = w.apply(per_turn[i]);
  out.returns = broadcast(s, s.score);
  return out;
}

}  // namespace arena::estimators
