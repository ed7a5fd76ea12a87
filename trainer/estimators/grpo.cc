#include "trainer/estimators/grpo.h"

#include "trainer/estimators/primitives.h"

namespace arena::estimators {

Grpo::Grpo(const nlohmann::json& options) {
  OptionReader r("grpo", options);
  unit_ = read_unit(r);
  z_ = read_zscore_options(r, ZScoreOptions{});
  options_ = r.finish();
}

EstimatorOutput Grpo::compute(const TurnBatch& batch) {
  EstimatorOutput out = make_output(batch.size());
  const TrajectoryIndex index = index_trajectories(batch);
  const Samples s = make_samples(batch, index, unit_);
  const DenseKeys groups = densify({s.group}, s.size());
  const auto moments = segmented_moments(groups.id, groups.count(), s.score);
  std::vector<double> adv(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) adv[i] = zscore(s.score[i], moments[groups.id[i]], z_);
  out.advantage = broadcast(s, adv);
  out.returns = broadcast(s, s.score);
  return out;
}

}  // namespace arena::estimators
