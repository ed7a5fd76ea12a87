#include "trainer/estimators/bnpo.h"

#include <algorithm>
#include <cmath>

#include "games/api/params.h"
#include "trainer/estimators/primitives.h"

namespace arena::estimators {

Bnpo::Bnpo(const nlohmann::json& options) {
  OptionReader r("bnpo", options);
  unit_ = read_unit(r);
  reward_min_ = r.number("reward_min", 0.0);
  reward_max_ = r.number("reward_max", 1.0);
  if (reward_max_ <= reward_min_) r.fail("reward_max", "a number > reward_min", reward_max_);
  singleton_ = read_singleton(r, Singleton::kRaw);
  max_weight_ = r.number("max_weight", 1e6, 0.0);
  options_ = r.finish();
}

double Bnpo::beta_pdf(double p, double alpha, double beta) {
  auto log_power = [](double x, double e) { return e == 0 ? 0.0 : e * std::log(x); };  // log(x^e), 0^0 = 1
  const double log_norm = std::lgamma(alpha + beta) - std::lgamma(alpha) - std::lgamma(beta);
  return std::exp(log_norm + log_power(p, alpha - 1.0) + log_power(1.0 - p, beta - 1.0));
}

EstimatorOutput Bnpo::compute(const TurnBatch& batch) {
  EstimatorOutput out = make_output(batch.size());
  const TrajectoryIndex index = index_trajectories(batch);
  const Samples s = make_samples(batch, index, unit_);
  std::vector<double> y(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    y[i] = (s.score[i] - reward_min_) / (reward_max_ - reward_min_);
    if (y[i] < -1e-12 || y[i] > 1.0 + 1e-12)
      throw Error("estimator bnpo: sample score " + std::to_string(s.score[i]) + " is outside [reward_min, reward_max] = [" +
                  std::to_string(reward_min_) + ", " + std::to_string(reward_max_) + "]");
    y[i] = std::clamp(y[i], 0.0, 1.0);
  }

  const DenseKeys groups = densify({s.group}, s.size());
  const auto moments = segmented_moments(groups.id, groups.count(), y);
  std::vector<double> p(groups.count());
  for (std::size_t g = 0; g < p.size(); ++g) p[g] = moments[g].count == 1 ? 0.0 : moments[g].mean;

  double alpha = 1.0, beta = 1.0;
  const std::vector<std::int32_t> one(p.size(), 0);
  const Moments over_groups = segmented_moments(one, 1, p)[0];
  if (p.size() == 1 || over_groups.m2 > 0) {
    const double mu = p.size() == 1 ? 0.0 : over_groups.mean;
    const double var = p.size() == 1 ? 1.0 : variance(over_groups, 1);
    const double k = mu * (1.0 - mu) / var - 1.0;
    alpha = std::max(1.0 + k * mu / 3.0, 1.0);
    beta = std::max(1.0 + k * (1.0 - mu) / 3.0, 1.0);
  }
  std::vector<double> w(p.size());
  for (std::size_t g = 0; g < p.size(); ++g) {
    const double pdf = beta_pdf(p[g], alpha, beta);
    w[g] = pdf > 0 ? std::min(1.0 / pdf, max_weight_) : max_weight_;
  }
  std::vector<double> adv(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::int32_t g = groups.id[i];
    adv[i] = moments[g].count == 1 && singleton_ == Singleton::kZero ? 0.0 : w[g] * (y[i] - p[g]);
  }
  out.advantage = broadcast(s, adv);
  out.returns = broadcast(s, s.score);
  return out;
}

}  // namespace arena::estimators
