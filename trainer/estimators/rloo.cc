#include "trainer/estimators/rloo.h"

#include "trainer/estimators/primitives.h"

namespace arena::estimators {

Rloo::Rloo(const nlohmann::json& options) {
  OptionReader r("rloo", options);
  unit_ = read_unit(r);
  singleton_ = read_singleton(r, Singleton::kRaw);
  options_ = r.finish();
}

EstimatorOutput Rloo::compute(const TurnBatch& batch) {
  EstimatorOutput out = make_output(batch.size());
  const TrajectoryIndex index = index_trajectories(batch);
  const Samples s = make_samples(batch, index, unit_);
  const DenseKeys groups = densify({s.group}, s.size());
  // S_g = n_g·μ_g; the mean comes from the shared moment primitive so every estimator reduces the same way.
  const auto moments = segmented_moments(groups.id, groups.count(), s.score);
  std::vector<double> adv(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const Moments& m = moments[groups.id[i]];
    const double n = static_cast<double>(m.count);
    if (m.count == 1) adv[i] = singleton_ == Singleton::kRaw ? s.score[i] : 0.0;
    else if (m.m2 == 0) adv[i] = 0.0;
    else adv[i] = s.score[i] - (n * m.mean - s.score[i]) / (n - 1.0);
  }
  out.advantage = broadcast(s, adv);
  out.returns = broadcast(s, s.score);
  return out;
}

}  // namespace arena::estimators
