// grpo, dr_grpo, rloo, reinforce_pp, reinforce_pp_baseline, stratified and bnpo against vectors computed
// independently by tests/trainer/expected_values.py (plain Python; exact fractions for sums, means and variances,
// float only for square roots, lgamma and exp), which applies the formula of each header directly to the rows below.
// Expected vectors are in the row order of standard_batch().
#include <vector>

#include "tests/trainer/estimator_test_util.h"

using namespace arena::estimators;
using arena::estimators::test::check_close;
using arena::estimators::test::standard_batch;

namespace {

EstimatorOutput run(const std::string& name, const nlohmann::json& options, const TurnBatchData& data) {
  return make_estimator(name, options)->compute(data.view());
}

const std::vector<double> kTrajectoryScores = {0.6, 1.0, -1.0, 2.0, 1.0, 0.6, 0.25, 2.0, -1.0, 3.0, 0.6, 2.0};
const std::vector<double> kTurnScores = {0.5, 1.0, -1.0, 2.0, 0.5, 0.6, 0.25, 1.0, -1.0, 3.0, 0.3, 2.0};

}  // namespace

TEST_CASE("grpo: group z-scores, verl defaults and knobs", "[estimators][grpo]") {
  const auto data = standard_batch();
  auto out = run("grpo", {}, data);
  // Group 0 ddof 1, ε 1e-6 added to σ; group 1 has zero variance → 0; the singleton gets 3/(1 + 1e-6).
  check_close(out.advantage, {0.44825602416170074, 0.910971920070553, -1.4026075594737086, 0.0, 0.910971920070553,
                              0.44825602416170074, 0.04337961524145491, 0.0, -1.4026075594737086, 2.9999970000030003,
                              0.44825602416170074, 0.0});
  check_close(out.returns, kTrajectoryScores);
  CHECK(out.keep == std::vector<std::uint8_t>(12, 1));

  out = run("grpo", {{"ddof", 0}, {"eps", 1e-4}, {"eps_mode", "add_to_var"}, {"singleton", "zero"}}, data);
  check_close(out.advantage, {0.517555901547187, 1.0518071547571863, -1.6194491112928107, 0.0, 1.0518071547571863,
                              0.517555901547187, 0.05008605498843745, 0.0, -1.6194491112928107, 0.0,
                              0.517555901547187, 0.0});
  out = run("grpo", {{"eps", 0.5}, {"eps_mode", "clamp_var"}}, data);
  check_close(out.advantage, {0.44825654270027016, 0.9109729738747425, -1.4026091819976194, 0.0, 0.9109729738747425,
                              0.44825654270027016, 0.04337966542260679, 0.0, -1.4026091819976194, 3.0,
                              0.44825654270027016, 0.0});
  // unit = turn: each turn is a sample scored by its reward-to-go, grouped by its own group id.
  out = run("grpo", {{"unit", "turn"}}, data);
  check_close(out.advantage, {0.48054230886827665, 1.154987654648314, -1.5427937284718354, 0.5773492691913578,
                              0.48054230886827665, 0.615431378024284, 0.14331963597825792, -1.1546985383827155,
                              -1.5427937284718354, 2.9999970000030003, 0.21076417055626168, 0.5773492691913578});
  check_close(out.returns, kTurnScores);
}

TEST_CASE("dr_grpo: centered by the group mean only", "[estimators][dr_grpo]") {
  const auto data = standard_batch();
  auto out = run("dr_grpo", {}, data);
  check_close(out.advantage,
              {0.3875, 0.7875, -1.2125, 0.0, 0.7875, 0.3875, 0.0375, 0.0, -1.2125, 3.0, 0.3875, 0.0});
  check_close(out.returns, kTrajectoryScores);
  out = run("dr_grpo", {{"scale", 4}, {"singleton", "zero"}}, data);
  check_close(out.advantage, {0.096875, 0.196875, -0.303125, 0.0, 0.196875, 0.096875, 0.009375, 0.0, -0.303125, 0.0,
                              0.096875, 0.0});
}

TEST_CASE("rloo: leave-one-out baseline", "[estimators][rloo]") {
  const auto data = standard_batch();
  auto out = run("rloo", {}, data);
  check_close(out.advantage, {0.5166666666666667, 1.05, -1.6166666666666667, 0.0, 1.05, 0.5166666666666667, 0.05,
                              0.0, -1.6166666666666667, 3.0, 0.5166666666666667, 0.0});
  out = run("rloo", {{"singleton", "zero"}}, data);
  CHECK(out.advantage[9] == 0.0);
  CHECK(out.advantage[1] == Approx(1.05));
}

TEST_CASE("reinforce_pp: discounted returns whitened over tokens", "[estimators][reinforce_pp]") {
  auto out = run("reinforce_pp", {}, standard_batch());
  check_close(out.returns, kTurnScores);
  check_close(out.advantage, {-0.23780574904720803, 0.20982860210047768, -1.5807088024902651, 1.1050973043958492,
                              -0.23780574904720803, -0.14827887881767088, -0.46162292462105087, 0.20982860210047768,
                              -1.5807088024902651, 2.0003660066912206, -0.4168594895062823, 1.1050973043958492});
  out = run("reinforce_pp", {}, standard_batch(false));  // no token counts: every turn weighs 1
  check_close(out.advantage, {-0.22452510386354638, 0.2031417606384467, -1.5075256973695255, 1.0584754896424329,
                              -0.22452510386354638, -0.13899173096314776, -0.43835853611454284, 0.2031417606384467,
                              -1.5075256973695255, 1.9138092186464188, -0.3955918496643436, 1.0584754896424329});
  out = run("reinforce_pp", {{"gamma", 0.5}}, standard_batch());
  check_close(out.returns, {0.35, 0.75, -1.0, 2.0, 0.5, 0.275, 0.25, 1.0, -0.5, 3.0, 0.3, 1.5});
  check_close(out.advantage, {-0.35869420212859493, 0.030397813739711316, -1.6718797556841283, 1.2463103633281682,
                              -0.21278469617798007, -0.4316489551039023, -0.45596720609567143, 0.2735803236574027,
                              -1.1855147358487454, 2.219040402998934, -0.4073307041121332, 0.7599453434927854});
}

TEST_CASE("reinforce_pp_baseline: group-mean baseline, then token whitening", "[estimators][reinforce_pp_baseline]") {
  auto out = run("reinforce_pp_baseline", {}, standard_batch());
  check_close(out.advantage, {0.2105369698318366, 0.6332621798471321, -1.4803638702293451, -0.19897807737048087,
                              0.6332621798471321, 0.2105369698318366, -0.1593475889315469, -0.19897807737048087,
                              -1.4803638702293451, 2.9714609977442348, 0.2105369698318366, -0.19897807737048087});
  check_close(out.returns, kTrajectoryScores);
  out = run("reinforce_pp_baseline", {{"singleton", "zero"}}, standard_batch(false));
  check_close(out.advantage, {0.5527832487621622, 1.169843619473413, -1.9154582340828412, -0.04499398536436204,
                              1.169843619473413, 0.5527832487621622, 0.012855424389817726, -0.04499398536436204,
                              -1.9154582340828412, -0.04499398536436204, 0.5527832487621622, -0.04499398536436204});
}

TEST_CASE("stratified: SAN blended with GRPO", "[estimators][stratified]") {
  const auto data = standard_batch();
  // Strata by number of turns inside group 0: {10, 11} (2 turns), {12} (1), {13} (3): singletons give A_SAN = 0.
  auto out = run("stratified", {}, data);
  check_close(out.advantage, {0.08965120483234013, 0.7478794089636315, -0.8462065368442626, 0.0, 0.7478794089636315,
                              0.08965120483234013, 0.00867592304829098, 0.0, -0.8462065368442626, 0.5999994000005999,
                              0.08965120483234013, 0.0});
  out = run("stratified", {{"stratum", "role"}, {"alpha", 0.5}}, data);
  check_close(out.advantage, {0.5776810901744004, 0.8090386839631407, -1.0548568578304043, 0.0, 0.8090386839631407,
                              0.5776810901744004, -0.3318629163071367, 0.0, -1.0548568578304043, 1.4999985000015001,
                              0.5776810901744004, 0.0});
  // α = 0 is exactly grpo.
  check_close(run("stratified", {{"alpha", 0.0}}, data).advantage, run("grpo", {}, data).advantage, 0.0);
}

TEST_CASE("bnpo: Beta-normalized group baseline", "[estimators][bnpo]") {
  // Groups of binary outcomes: {1,0,0,1} p .5, {1,1,1,0} p .75, {0,0,0,1} p .25, and a singleton {1} whose p is 0
  // (the reference's quirk). μ = 0.375, v = 0.1041667 → α = 1.15625, β = 1.2604167; the singleton's pdf at 0 is 0, so
  // its weight is the 1e6 cap.
  TurnBatchData data;
  const std::vector<std::vector<int>> groups = {{1, 0, 0, 1}, {1, 1, 1, 0}, {0, 0, 0, 1}, {1}};
  std::int64_t traj = 0;
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (int r : groups[g]) data.add({traj++, 0, static_cast<double>(r), 0, 0, static_cast<std::int64_t>(g)});
  auto out = run("bnpo", {}, data);
  check_close(out.advantage, {0.4474371565259774, -0.4474371565259774, -0.4474371565259774, 0.4474371565259774,
                              0.2515249199899201, 0.2515249199899201, 0.2515249199899201, -0.7545747599697603,
                              -0.22432665929877868, -0.22432665929877868, -0.22432665929877868, 0.672979977896336,
                              1000000.0}, 1e-10);
  out = run("bnpo", {{"singleton", "zero"}}, data);
  CHECK(out.advantage[12] == 0.0);
  CHECK(out.advantage[0] == Approx(0.4474371565259774).epsilon(1e-10));

  // Equal p in every group (v = 0): α = β = 1, w = 1, A = y − p.
  TurnBatchData equal;
  for (int i = 0; i < 4; ++i) equal.add({i, 0, static_cast<double>(i == 0 || i == 3), 0, 0, i / 2});
  check_close(run("bnpo", {}, equal).advantage, {0.5, -0.5, -0.5, 0.5});
  // One group: μ = 0, v = 1 → α = β = 1. Rewards in [-1, 1] mapped to [0, 1].
  TurnBatchData one;
  const std::vector<double> r = {1, -1, 1};
  for (int i = 0; i < 3; ++i) one.add({i, 0, r[i], 0, 0, 0});
  check_close(run("bnpo", {{"reward_min", -1}}, one).advantage, {1.0 / 3, -2.0 / 3, 1.0 / 3});
}
