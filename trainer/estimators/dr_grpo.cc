#include "trainer/estimators/dr_grpo.h"

#include <limits>

#include "trainer/estimators/primitives.h"

namespace arena::estimators {

DrGrpo::DrGrpo(const nlohmann::json& options) {
  OptionReader r("dr_grpo", options);
  unit_ = read_unit(r);
  scale_ = r.number("scale", 1.0, std::numeric_limits<double>::min());
  singleton_ = read_singleton(r, Singleton::kRaw);
  options_ = r.finish();
}

EstimatorOutput DrGrpo::compute(const TurnBatch& batch) {
  EstimatorOutput out = make_output(batch.size());
  const TrajectoryIndex index = index_trajectories(batch);
  const Samples s = make_samples(batch, index, unit_);
  const DenseKeys groups = densify({s.group}, s.size());
  const auto moments = segmented_moments(groups.id, groups.count(), s.score);
  std::vector<double> adv(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const Moments& m = moments[groups.id[i]];
    if (m.count == 1) adv[i] = singleton_ == Singleton::kRaw ? s.score[i] / scale_ : 0.0;
    else adv[i] = (s.score[i] - m.mean) / scale_;
  }
  out.advantage = broadcast(s, adv);
  out.returns = broadcast(s, s.score);
  return out;
}

}  // namespace arena::estimators
