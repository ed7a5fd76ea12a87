#include "trainer/estimators/stratified.h"

#include "trainer/estimators/primitives.h"

namespace arena::estimators {

Stratified::Stratified(const nlohmann::json& options) {
  OptionReader r("stratified", options);
  unit_ = read_unit(r);
  stratum_ = r.choice("stratum", "num_turns", {"num_turns", "role", "game", "game_role"});
  alpha_ = r.number("alpha", 0.8, 0.0, 1.0);
  z_ = read_zscore_options(r, ZScoreOptions{});
  options_ = r.finish();
}

EstimatorOutput Stratified::compute(const TurnBatch& batch) {
  EstimatorOutput out = make_output(batch.size());
  const TrajectoryIndex index = index_trajectories(batch);
  const Samples s = make_samples(batch, index, unit_);
  const std::vector<std::int64_t> none(s.size(), 0);
  const std::vector<std::int64_t>& first = stratum_ == "num_turns" ? s.num_turns
                                           : stratum_ == "role"    ? s.role
                                                                   : s.game;
  const std::vector<std::int64_t>& second = stratum_ == "game_role" ? s.role : none;

  const DenseKeys groups = densify({s.group}, s.size());
  const DenseKeys strata = densify({s.group, first, second}, s.size());
  const auto group_moments = segmented_moments(groups.id, groups.count(), s.score);
  const auto stratum_moments = segmented_moments(strata.id, strata.count(), s.score);
  ZScoreOptions san = z_;
  san.singleton = Singleton::kZero;  // s_i − μ_{g,h} = 0 for a one-sample stratum
  std::vector<double> adv(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double gn = zscore(s.score[i], group_moments[groups.id[i]], z_);
    const double sn = zscore(s.score[i], stratum_moments[strata.id[i]], san);
    adv[i] = alpha_ * sn + (1.0 - alpha_) * gn;
  }
  out.advantage = broadcast(s, adv);
  out.returns = broadcast(s, s.score);
  return out;
}

}  // namespace arena::estimators
