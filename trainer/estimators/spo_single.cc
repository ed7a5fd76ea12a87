#include "trainer/estimators/spo_single.h"

#include <algorithm>
#include <cmath>

#include "games/api/params.h"
#include "trainer/estimators/primitives.h"

namespace arena::estimators {

SpoSingle::SpoSingle(const nlohmann::json& options) {
  OptionReader r("spo_single", options);
  constant_ = r.choice("forgetting", "kl_adaptive", {"kl_adaptive", "constant"}) == "constant";
  if (constant_) {
    rho_const_ = r.number("rho", 0.875, 0.0, 1.0);
    if (rho_const_ >= 1.0) r.fail("rho", "a number in [0, 1)", rho_const_);
  } else {
    rho_min_ = r.number("rho_min", 0.875, 0.0, 1.0);
    if (rho_min_ >= 1.0) r.fail("rho_min", "a number in [0, 1)", rho_min_);
    rho_max_ = r.number("rho_max", 0.96, 0.0, 1.0);
    if (rho_max_ < rho_min_) r.fail("rho_max", "a number in [rho_min, 1]", rho_max_);
    half_life_ = r.number("half_life", 0.06, 0.0);
    if (half_life_ <= 0) r.fail("half_life", "a number > 0", half_life_);
  }
  reward_min_ = r.number("reward_min", 0.0);
  reward_max_ = r.number("reward_max", 1.0);
  if (reward_max_ <= reward_min_) r.fail("reward_max", "a number > reward_min", reward_max_);
  normalize_ = r.boolean("normalize", true);
  if (normalize_) z_ = read_zscore_options(r, ZScoreOptions{1, 1e-8, EpsMode::kAddToStd, Singleton::kZero});
  sequential_ = r.choice("duplicates", "last", {"last", "sequential"}) == "sequential";
  options_ = r.finish();
}

std::pair<double, double> SpoSingle::tracker(std::int64_t prompt) const {
  auto it = trackers_.find(prompt);
  return it == trackers_.end() ? std::pair{0.5, 0.5} : it->second;
}

double SpoSingle::success_estimate(std::int64_t prompt) const {
  const auto [a, b] = tracker(prompt);
  return a / (a + b);
}

double SpoSingle::sampling_weight(std::int64_t prompt) const {
  const double p = success_estimate(prompt);
  return std::sqrt(p * (1.0 - p)) + 0.05;
}

void SpoSingle::seed_prompt(std::int64_t prompt, std::int64_t successes, std::int64_t samples) {
  if (samples < 0 || successes < 0 || successes > samples)
    throw Error("estimator spo_single: seed_prompt needs 0 <= successes <= samples, got " + std::to_string(successes) +
                " of " + std::to_string(samples));
  if (samples == 0) {
    trackers_[prompt] = {0.5, 0.5};
    return;
  }
  const double n_init = 1.0 / (1.0 - (constant_ ? rho_const_ : rho_min_));
  const double n = static_cast<double>(samples), s = static_cast<double>(successes);
  trackers_[prompt] = {n_init * (s + 0.5) / (n + 1.0), n_init * (n - s + 0.5) / (n + 1.0)};
}

double SpoSingle::rho(double divergence) const {
  if (constant_) return rho_const_;
  return std::clamp(std::exp2(-divergence / half_life_), rho_min_, rho_max_);
}

void SpoSingle::apply_pending(const std::map<std::int64_t, double>& divergence) {
  auto update = [&](std::int64_t prompt, double y) {
    auto it = divergence.find(prompt);
    const double r = rho(it == divergence.end() ? 0.0 : it->second);
    auto [a, b] = tracker(prompt);
    trackers_[prompt] = {r * a + y, r * b + (1.0 - y)};
  };
  if (sequential_) {
    for (const auto& [prompt, y] : pending_) update(prompt, y);
  } else {
    std::map<std::int64_t, double> last;
    for (const auto& [prompt, y] : pending_) last[prompt] = y;
    for (const auto& [prompt, y] : last) update(prompt, y);
  }
  pending_.clear();
}

void SpoSingle::observe_policy_shift(std::span<const std::int64_t> group, std::span<const double> divergence) {
  if (group.size() != divergence.size())
    throw Error("estimator spo_single: observe_policy_shift got " + std::to_string(group.size()) + " groups and " +
                std::to_string(divergence.size()) + " divergences");
  std::map<std::int64_t, double> d;
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (!std::isfinite(divergence[i]) || divergence[i] < 0)
      throw Error("estimator spo_single: divergence of group " + std::to_string(group[i]) +
                  " must be a finite number >= 0");
    d[group[i]] = divergence[i];
  }
  apply_pending(d);
}

EstimatorOutput SpoSingle::compute(const TurnBatch& batch) {
  EstimatorOutput out = make_output(batch.size());
  if (batch.size() == 0) return out;
  const TrajectoryIndex index = index_trajectories(batch);
  const Samples s = make_samples(batch, index, SampleUnit::kTrajectory);
  std::vector<double> y(s.size()), a(s.size());
  for (std::size_t j = 0; j < s.size(); ++j) {
    y[j] = (s.score[j] - reward_min_) / (reward_max_ - reward_min_);
    if (y[j] < -1e-12 || y[j] > 1.0 + 1e-12)
      throw Error("estimator spo_single: trajectory " + std::to_string(index.id[j]) + " has total reward " +
                  std::to_string(s.score[j]) + ", outside [reward_min, reward_max]");
    y[j] = std::clamp(y[j], 0.0, 1.0);
  }
  if (!pending_.empty()) apply_pending({});
  for (std::size_t j = 0; j < s.size(); ++j) a[j] = y[j] - success_estimate(s.group[j]);
  if (normalize_) {
    const std::vector<std::int32_t> one(s.size(), 0);
    const Moments m = segmented_moments(one, 1, a)[0];
    for (double& v : a) v = zscore(v, m, z_);
  }
  for (std::size_t j = 0; j < s.size(); ++j) pending_.emplace_back(s.group[j], y[j]);
  out.advantage = broadcast(s, a);
  out.returns = broadcast(s, s.score);
  return out;
}

nlohmann::json SpoSingle::save_state() const {
  nlohmann::json trackers = nlohmann::json::array(), pending = nlohmann::json::array();
  for (const auto& [prompt, ab] : trackers_)
    trackers.push_back({{"prompt", prompt}, {"alpha", ab.first}, {"beta", ab.second}});
  for (const auto& [prompt, y] : pending_) pending.push_back({{"prompt", prompt}, {"reward", y}});
  return {{"estimator", "spo_single"}, {"version", 1}, {"trackers", trackers}, {"pending", pending}};
}

void SpoSingle::load_state(const nlohmann::json& state) {
  check_state_header(state, "spo_single");
  auto number = [](const nlohmann::json& e, const char* f) {
    return e.contains(f) && e[f].is_number() && std::isfinite(e[f].get<double>());
  };
  std::map<std::int64_t, std::pair<double, double>> trackers;
  const auto& t = state_field(state, "spo_single", "trackers");
  if (!t.is_array()) throw Error("estimator spo_single: saved state field 'trackers' must be an array");
  for (const auto& e : t) {
    if (!e.is_object() || !e.contains("prompt") || !e["prompt"].is_number_integer() || !number(e, "alpha") ||
        !number(e, "beta") || e["alpha"].get<double>() < 0 || e["beta"].get<double>() < 0)
      throw Error("estimator spo_single: malformed tracker entry " + e.dump() +
                  " (expected {\"prompt\": int, \"alpha\": number >= 0, \"beta\": number >= 0})");
    trackers[e["prompt"].get<std::int64_t>()] = {e["alpha"].get<double>(), e["beta"].get<double>()};
  }
  std::vector<std::pair<std::int64_t, double>> pending;
  const auto& p = state_field(state, "spo_single", "pending");
  if (!p.is_array()) throw Error("estimator spo_single: saved state field 'pending' must be an array");
  for (const auto& e : p) {
    if (!e.is_object() || !e.contains("prompt") || !e["prompt"].is_number_integer() || !number(e, "reward"))
      throw Error("estimator spo_single: malformed pending entry " + e.dump() +
                  " (expected {\"prompt\": int, \"reward\": number})");
    pending.emplace_back(e["prompt"].get<std::int64_t>(), e["reward"].get<double>());
  }
  trackers_ = std::move(trackers);
  pending_ = std::move(pending);
}

}  // namespace arena::estimators
