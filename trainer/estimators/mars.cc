#include "trainer/estimators/mars.h"

#include <cmath>

namespace arena::estimators {
namespace {

// Every turn of a trajectory takes the value of its first turn (turn_level = false).
void spread_first_turn(const TrajectoryIndex& index, std::vector<double>& per_row) {
  for (std::size_t j = 0; j < index.size(); ++j) {
    const double first = per_row[index.order[index.offsets[j]]];
    for (std::size_t i = index.offsets[j]; i < index.offsets[j + 1]; ++i) per_row[index.order[i]] = first;
  }
}

std::vector<double> reverse_scan_rows(const TrajectoryIndex& index, const std::vector<double>& per_row, double gamma) {
  std::vector<double> ordered(per_row.size()), out(per_row.size());
  for (std::size_t i = 0; i < ordered.size(); ++i) ordered[i] = per_row[index.order[i]];
  segmented_reverse_scan(index.offsets, ordered, gamma, ordered);
  for (std::size_t i = 0; i < ordered.size(); ++i) out[index.order[i]] = ordered[i];
  return out;
}

}  // namespace

MarsOptions read_mars_options(const nlohmann::json& options, nlohmann::json* resolved) {
  OptionReader r("mars", options);
  MarsOptions o;
  const auto mode = r.choice("mode", "code", {"code", "paper"});
  o.mode = mode == "code" ? MarsOptions::Mode::kCode : MarsOptions::Mode::kPaper;
  r.set_context("mars(mode=" + mode + ")");
  o.gamma = r.number("gamma", 1.0, 0.0, 1.0);
  o.turn_level = r.boolean("turn_level", true);
  o.agent_specific = r.boolean("agent_specific", true);
  if (o.mode == MarsOptions::Mode::kPaper) {
    o.paper = read_zscore_options(r, o.paper);
  } else {
    o.whiten_rewards = r.boolean("whiten_rewards", true);
    o.code_eps = r.number("eps", 1e-8, 0.0);
    o.unique_tolerance = r.number("unique_tolerance", 1e-9, 0.0);
  }
  const auto done = r.finish();
  if (resolved) *resolved = done;
  return o;
}

MarsTrace mars_trace(const TurnBatch& batch, const MarsOptions& o) {
  const TrajectoryIndex index = index_trajectories(batch);
  const std::size_t n = batch.size();
  const std::vector<std::int64_t> no_role(n, 0);
  const auto& role = o.agent_specific ? batch.role : std::span<const std::int64_t>(no_role);
  const DenseKeys pools = densify({batch.game, role}, n);
  MarsTrace t;
  auto record_pools = [&](const std::vector<Moments>& m) {
    for (std::size_t k = 0; k < pools.count(); ++k) t.pool[{batch.game[pools.first[k]], role[pools.first[k]]}] = m[k];
  };

  if (o.mode == MarsOptions::Mode::kPaper) {
    t.returns = reward_to_go(batch, index, o.gamma);
    if (!o.turn_level) spread_first_turn(index, t.returns);
    const auto moments = segmented_moments(pools.id, pools.count(), t.returns);
    record_pools(moments);
    t.advantage.resize(n);
    for (std::size_t i = 0; i < n; ++i) t.advantage[i] = zscore(t.returns[i], moments[pools.id[i]], o.paper);
    return t;
  }

  // Step 1: center each turn reward on its pool's mean per-turn reward.
  const auto moments = segmented_moments(pools.id, pools.count(), batch.reward);
  record_pools(moments);
  t.centered_reward.resize(n);
  for (std::size_t i = 0; i < n; ++i) t.centered_reward[i] = batch.reward[i] - moments[pools.id[i]].mean;

  // Step 2: the token whitening of the rewards, a rescale (see the header).
  const std::vector<double> weight = turn_weights(batch);
  double tokens = 0, sumsq = 0;
  for (std::size_t i = 0; i < n; ++i) {
    tokens += weight[i];
    if (weight[i] > 0) sumsq += t.centered_reward[i] * t.centered_reward[i];
  }
  if (o.whiten_rewards && tokens > 1) t.reward_scale = 1.0 / std::sqrt(sumsq / (tokens - 1.0) + o.code_eps);
  std::vector<double> scaled(n);
  for (std::size_t i = 0; i < n; ++i) scaled[i] = t.reward_scale * t.centered_reward[i];

  // Step 3: reward-to-go.
  t.returns = reverse_scan_rows(index, scaled, o.gamma);
  if (!o.turn_level) spread_first_turn(index, t.returns);

  // Step 4: subtract the mean of the pool's distinct return values (0 included).
  const DenseKeys seats = densify({role}, n);
  const auto distinct = distinct_value_mean(seats.id, seats.count(), t.returns, o.unique_tolerance, 0.0);
  for (std::size_t k = 0; k < seats.count(); ++k) t.distinct[role[seats.first[k]]] = distinct[k];
  t.centered_return.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const DistinctStats& u = distinct[seats.id[i]];
    t.centered_return[i] = u.count == 1 || u.std == 0 ? 0.0 : t.returns[i] - u.mean;
  }

  // Step 5: token-weighted whitening over the whole batch, unbiased variance.
  const Whitening w = whitening(t.centered_return, weight, 1, o.code_eps, EpsMode::kAddToVar);
  t.advantage.resize(n);
  for (std::size_t i = 0; i < n; ++i) t.advantage[i] = w.apply(t.centered_return[i]);
  return t;
}

Mars::Mars(const nlohmann::json& options) { o_ = read_mars_options(options, &options_); }

EstimatorOutput Mars::compute(const TurnBatch& batch) {
  MarsTrace t = mars_trace(batch, o_);
  EstimatorOutput out = make_output(batch.size());
  out.advantage = std::move(t.advantage);
  out.returns = std::move(t.returns);
  return out;
}

}  // namespace arena::estimators
