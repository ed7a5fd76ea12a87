// The registry, option validation, batch validation and degenerate batches, for every estimator.
#include <cmath>
#include <functional>
#include <vector>

#include "games/api/params.h"
#include "tests/trainer/estimator_test_util.h"

using namespace arena::estimators;
using arena::estimators::test::standard_batch;

namespace {

bool has(const std::string& message, const std::string& part) { return message.find(part) != std::string::npos; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const arena::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("registry: every estimator by name, defaults resolved", "[estimators][api]") {
  const std::vector<std::string> expected = {"mars", "grpo", "dr_grpo", "rloo", "reinforce_pp", "reinforce_pp_baseline",
                                             "rae", "spo_single", "stratified", "bnpo"};
  CHECK(estimator_names() == expected);
  for (const auto& name : estimator_names()) {
    auto est = make_estimator(name);
    CHECK(est->name() == name);
    CHECK(est->options().is_object());
    CHECK(est->stateful() == (name == "rae" || name == "spo_single"));
    // Resolved options are accepted back and resolve to themselves.
    CHECK(make_estimator(name, est->options())->options() == est->options());
  }
  CHECK(make_estimator("grpo")->options() ==
        nlohmann::json{{"unit", "trajectory"}, {"ddof", 1}, {"eps", 1e-6}, {"eps_mode", "add_to_std"},
                       {"singleton", "raw"}});
  CHECK(make_estimator("mars")->options()["mode"] == "code");
  CHECK(make_estimator("mars", nullptr)->options()["mode"] == "code");
}

TEST_CASE("options: unknown names and bad values name the option and the allowed values", "[estimators][api]") {
  auto e = error_of([] { make_estimator("gae"); });
  CHECK(has(e, "unknown advantage estimator 'gae'"));
  CHECK(has(e, "grpo"));

  e = error_of([] { make_estimator("grpo", {{"epsilon", 1e-4}}); });
  CHECK(has(e, "unknown option 'epsilon'"));
  CHECK(has(e, "eps_mode"));

  e = error_of([] { make_estimator("grpo", {{"eps_mode", "sqrt"}}); });
  CHECK(has(e, "option 'eps_mode' must be one of {add_to_std, add_to_var, clamp_var}"));

  e = error_of([] { make_estimator("grpo", {{"ddof", 2}}); });
  CHECK(has(e, "option 'ddof' must be an integer in [0, 1]"));
  e = error_of([] { make_estimator("grpo", {{"eps", -1}}); });
  CHECK(has(e, "option 'eps' must be a number in [0, inf)"));
  e = error_of([] { make_estimator("rae", {{"alpha", "high"}}); });
  CHECK(has(e, "option 'alpha' must be a number in [0, 1]"));
  e = error_of([] { make_estimator("rae", {{"drop_zero", 1}}); });
  CHECK(has(e, "option 'drop_zero' must be true or false"));
  e = error_of([] { make_estimator("grpo", nlohmann::json::array()); });
  CHECK(has(e, "options must be a JSON object"));

  // Options of the other mode are refused, naming the mode.
  e = error_of([] { make_estimator("mars", {{"mode", "code"}, {"ddof", 0}}); });
  CHECK(has(e, "mars(mode=code): unknown option 'ddof'"));
  e = error_of([] { make_estimator("mars", {{"mode", "paper"}, {"unique_tolerance", 0}}); });
  CHECK(has(e, "mars(mode=paper): unknown option 'unique_tolerance'"));
  e = error_of([] { make_estimator("mars", {{"mode", "both"}}); });
  CHECK(has(e, "one of {code, paper}"));
  e = error_of([] { make_estimator("spo_single", {{"rho", 0.9}}); });  // rho belongs to forgetting = constant
  CHECK(has(e, "unknown option 'rho'"));
  e = error_of([] { make_estimator("spo_single", {{"rho_min", 0.9}, {"rho_max", 0.8}}); });
  CHECK(has(e, "option 'rho_max'"));
  e = error_of([] { make_estimator("bnpo", {{"reward_max", -1}}); });
  CHECK(has(e, "option 'reward_max' must be a number > reward_min"));
  e = error_of([] { make_estimator("stratified", {{"stratum", "length"}}); });
  CHECK(has(e, "one of {num_turns, role, game, game_role}"));
  e = error_of([] { make_estimator("dr_grpo", {{"scale", 0}}); });
  CHECK(has(e, "option 'scale'"));
}

TEST_CASE("turn batch validation", "[estimators][api]") {
  auto grpo = make_estimator("grpo");
  TurnBatchData d = standard_batch();
  d.role.pop_back();
  CHECK(has(error_of([&] { grpo->compute(d.view()); }), "field 'role' has 11 entries, expected one per turn (12)"));
  d = standard_batch();
  d.tokens.pop_back();
  CHECK_FALSE(error_of([&] { grpo->compute(d.view()); }).empty());
  d = standard_batch();
  d.tokens[3] = -1;
  CHECK(has(error_of([&] { grpo->compute(d.view()); }), "tokens of row 3"));
  d = standard_batch();
  d.reward[2] = std::nan("");
  CHECK(has(error_of([&] { grpo->compute(d.view()); }), "reward of row 2 is not finite"));
  d = standard_batch();
  d.turn[4] = 0;  // trajectory 10 now has turn 0 twice
  CHECK(has(error_of([&] { grpo->compute(d.view()); }), "turn 0 appears twice in trajectory 10"));
  d = standard_batch();
  d.role[4] = 1;
  CHECK(has(error_of([&] { grpo->compute(d.view()); }), "role changes within trajectory 10"));
  d = standard_batch();
  d.game[4] = 3;
  CHECK(has(error_of([&] { grpo->compute(d.view()); }), "game changes"));
  d = standard_batch();
  d.group[4] = 5;
  CHECK(has(error_of([&] { grpo->compute(d.view()); }), "group changes within trajectory 10"));
  // With unit = turn a trajectory may span groups; estimators that ignore the group accept it too.
  for (const auto& [name, options] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"grpo", {{"unit", "turn"}}}, {"rae", {}}, {"mars", {}}, {"reinforce_pp", {}}}) {
    INFO(name);
    CHECK(error_of([&] { make_estimator(name, options)->compute(d.view()); }).empty());
  }
}

TEST_CASE("every estimator: empty batch, one turn, constant rewards give defined results", "[estimators][api]") {
  for (const auto& name : estimator_names()) {
    INFO(name);
    auto est = make_estimator(name);
    const auto state_before = est->save_state();
    const auto empty = est->compute(TurnBatchData{}.view());
    CHECK(empty.advantage.empty());
    CHECK(empty.returns.empty());
    CHECK(empty.keep.empty());
    CHECK(est->save_state() == state_before);

    TurnBatchData one;
    one.add({0, 0, 1.0, 0, 0, 0, 5});
    const auto out = est->compute(one.view());
    REQUIRE(out.advantage.size() == 1);
    CHECK(std::isfinite(out.advantage[0]));
    CHECK(out.keep.size() == 1);

    TurnBatchData flat;  // four one-turn trajectories of equal reward in one group
    for (int t = 0; t < 4; ++t) flat.add({t, 0, 1.0, 0, 0, 0, 3});
    const auto adv = make_estimator(name)->compute(flat.view()).advantage;
    if (name == "rae") {
      // The EMA baseline moves within the batch: b = 0, .05, .0975, .142625 (pre-update).
      arena::estimators::test::check_close(adv, {1.0, 0.95, 0.9025, 0.857375});
    } else {
      CHECK(adv == std::vector<double>(4, 0.0));
    }
  }
}

TEST_CASE("stateless estimators save null and refuse state", "[estimators][api][state]") {
  auto grpo = make_estimator("grpo");
  CHECK(grpo->save_state().is_null());
  grpo->load_state(nullptr);
  CHECK_THROWS_AS(grpo->load_state({{"baselines", 1}}), arena::Error);
}
