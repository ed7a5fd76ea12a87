#include "trainer/estimators/estimator.h"

#include <functional>
#include <utility>

#include "games/api/params.h"
#include "trainer/estimators/bnpo.h"
#include "trainer/estimators/dr_grpo.h"
#include "trainer/estimators/grpo.h"
#include "trainer/estimators/mars.h"
#include "trainer/estimators/rae.h"
#include "trainer/estimators/reinforce_pp.h"
#include "trainer/estimators/reinforce_pp_baseline.h"
#include "trainer/estimators/rloo.h"
#include "trainer/estimators/spo_single.h"
#include "trainer/estimators/stratified.h"

namespace arena::estimators {
namespace {

using Factory = std::function<std::unique_ptr<AdvantageEstimator>(const nlohmann::json&)>;

template <typename T>
Factory factory() {
  return [](const nlohmann::json& options) { return std::make_unique<T>(options); };
}

const std::vector<std::pair<std::string, Factory>>& registry() {
  static const std::vector<std::pair<std::string, Factory>> entries = {
      {"mars", factory<Mars>()},
      {"grpo", factory<Grpo>()},
      {"dr_grpo", factory<DrGrpo>()},
      {"rloo", factory<Rloo>()},
      {"reinforce_pp", factory<ReinforcePP>()},
      {"reinforce_pp_baseline", factory<ReinforcePPBaseline>()},
      {"rae", factory<Rae>()},
      {"spo_single", factory<SpoSingle>()},
      {"stratified", factory<Stratified>()},
      {"bnpo", factory<Bnpo>()},
  };
  return entries;
}

}  // namespace

void AdvantageEstimator::load_state(const nlohmann::json& state) {
  if (!state.is_null())
    throw Error("estimator " + name() + " keeps no state; expected null, got " + state.dump().substr(0, 80));
}

std::vector<std::string> estimator_names() {
  std::vector<std::string> names;
  for (const auto& [name, f] : registry()) names.push_back(name);
  return names;
}

std::unique_ptr<AdvantageEstimator> make_estimator(std::string_view name, const nlohmann::json& options) {
  for (const auto& [n, f] : registry())
    if (n == name) return f(options);
  std::string known;
  for (const auto& [n, f] : registry()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown advantage estimator '" + std::string(name) + "'; known estimators: {" + known + "}");
}

EstimatorOutput make_output(std::size_t turns) {
  EstimatorOutput out;
  out.advantage.assign(turns, 0.0);
  out.returns.assign(turns, 0.0);
  out.keep.assign(turns, 1);
  return out;
}

const nlohmann::json& state_field(const nlohmann::json& state, const std::string& estimator, const std::string& field) {
  if (!state.is_object() || !state.contains(field))
    throw Error("estimator " + estimator + ": saved state has no field '" + field + "'");
  return state.at(field);
}

void check_state_header(const nlohmann::json& state, const std::string& estimator) {
  if (!state.is_object()) throw Error("estimator " + estimator + ": saved state must be a JSON object");
  const auto& name = state_field(state, estimator, "estimator");
  if (!name.is_string() || name.get<std::string>() != estimator)
    throw Error("estimator " + estimator + ": saved state belongs to estimator " + name.dump());
  const auto& version = state_field(state, estimator, "version");
  if (!version.is_number_integer() || version.get<int>() != 1)
    throw Error("estimator " + estimator + ": saved state has version " + version.dump() + ", expected 1");
}

}  // namespace arena::estimators
