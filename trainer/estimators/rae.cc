#include "trainer/estimators/rae.h"

#include <cmath>

#include "games/api/params.h"
#include "trainer/estimators/primitives.h"

namespace arena::estimators {

Rae::Rae(const nlohmann::json& options) {
  OptionReader r("rae", options);
  alpha_ = r.number("alpha", 0.95, 0.0, 1.0);
  post_update_ = r.choice("baseline", "pre_update", {"pre_update", "post_update"}) == "post_update";
  per_game_ = r.choice("key", "game_role", {"game_role", "role"}) == "game_role";
  gamma_ = r.number("gamma", 1.0, 0.0, 1.0);
  drop_zero_ = r.boolean("drop_zero", true);
  initial_ = r.number("initial_baseline", 0.0);
  options_ = r.finish();
}

std::pair<std::int64_t, std::int64_t> Rae::key_of(std::int64_t game, std::int64_t role) const {
  return {per_game_ ? game : 0, role};
}

double Rae::baseline(std::int64_t game, std::int64_t role) const {
  auto it = baselines_.find(key_of(game, role));
  return it == baselines_.end() ? initial_ : it->second;
}

EstimatorOutput Rae::compute(const TurnBatch& batch) { return compute_with(batch, segmented_ema_scan); }

EstimatorOutput Rae::compute_with(const TurnBatch& batch, const EmaScan& scan) {
  EstimatorOutput out = make_output(batch.size());
  const TrajectoryIndex index = index_trajectories(batch);
  const Samples s = make_samples(batch, index, SampleUnit::kTrajectory, false);
  // Gather the keys' current baselines into a dense table, scan, scatter back.
  std::vector<std::int64_t> games(s.size());
  for (std::size_t j = 0; j < s.size(); ++j) games[j] = per_game_ ? s.game[j] : 0;
  const DenseKeys keys = densify({games, s.role}, s.size());
  std::vector<double> table(keys.count());
  for (std::size_t k = 0; k < keys.count(); ++k)
    table[k] = baseline(games[keys.first[k]], s.role[keys.first[k]]);
  std::vector<double> pre(s.size()), post(s.size());
  scan(keys.id, s.score, alpha_, table, pre, post);
  for (std::size_t k = 0; k < keys.count(); ++k)
    baselines_[key_of(games[keys.first[k]], s.role[keys.first[k]])] = table[k];

  for (std::size_t row = 0; row < batch.size(); ++row) {
    const std::size_t j = static_cast<std::size_t>(index.of_row[row]);
    const double a = s.score[j] - (post_update_ ? post[j] : pre[j]);
    const double discount = std::pow(gamma_, static_cast<double>(index.length(j) - 1 - index.position[row]));
    out.advantage[row] = a * discount;
    out.returns[row] = s.score[j] * discount;
    out.keep[row] = drop_zero_ && out.advantage[row] == 0.0 ? 0 : 1;
  }
  return out;
}

nlohmann::json Rae::save_state() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [key, value] : baselines_) list.push_back({{"game", key.first}, {"role", key.second}, {"value", value}});
  return {{"estimator", "rae"}, {"version", 1}, {"key", per_game_ ? "game_role" : "role"}, {"baselines", list}};
}

void Rae::load_state(const nlohmann::json& state) {
  check_state_header(state, "rae");
  const auto& key = state_field(state, "rae", "key");
  const std::string mine = per_game_ ? "game_role" : "role";
  if (!key.is_string() || key.get<std::string>() != mine)
    throw Error("estimator rae: saved state is keyed by " + key.dump() + " but this estimator uses key = " + mine);
  const auto& list = state_field(state, "rae", "baselines");
  if (!list.is_array()) throw Error("estimator rae: saved state field 'baselines' must be an array");
  std::map<std::pair<std::int64_t, std::int64_t>, double> loaded;
  for (const auto& e : list) {
    if (!e.is_object() || !e.contains("game") || !e.contains("role") || !e.contains("value") ||
        !e["game"].is_number_integer() || !e["role"].is_number_integer() || !e["value"].is_number() ||
        !std::isfinite(e["value"].get<double>()))
      throw Error("estimator rae: malformed baseline entry " + e.dump() +
                  " (expected {\"game\": int, \"role\": int, \"value\": number})");
    loaded[{e["game"].get<std::int64_t>(), e["role"].get<std::int64_t>()}] = e["value"].get<double>();
  }
  baselines_ = std::move(loaded);
}

}  // namespace arena::estimators
