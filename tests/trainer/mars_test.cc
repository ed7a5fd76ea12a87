// mars in both modes on the worked example of the reference notes (Tic-Tac-Toe self-play, two matches of one game,
// per-turn rewards with the +0.05 format bonus). The step 1 and step 4 values come from the notes' table
// (μ0 = 0.1875, c0 = 0.068056, μ1 = −0.1, c1 = 0.05; paper-mode raw-return means 0.5687 / −0.1583 and stds 0.4448 /
// 0.5962); the full vectors (centered rewards, returns, final advantages, ablations) were recomputed by
// tests/trainer/expected_values.py with exact fractions (float only for the square roots), following the formulas of
// the header step by step.
#include <cmath>
#include <vector>

#include "tests/trainer/estimator_test_util.h"
#include "trainer/estimators/mars.h"

using namespace arena::estimators;
using arena::estimators::test::check_close;

namespace {

// Rows: P0 match A (3 turns), P1 match A (2), P0 match B (5), P1 match B (4).
TurnBatchData worked_example(std::int64_t tokens_per_turn = -1) {
  const std::vector<std::vector<double>> rewards = {
      {0.05, 0.05, 1.05}, {0.05, -0.95}, {0.05, 0.05, 0.05, 0.05, 0.15}, {0.05, 0.05, 0.05, 0.15}};
  TurnBatchData d;
  for (std::int64_t t = 0; t < 4; ++t)
    for (std::size_t k = 0; k < rewards[t].size(); ++k)
      d.add({t, static_cast<std::int64_t>(k), rewards[t][k], 0, t % 2, t / 2, tokens_per_turn});
  return d;
}

MarsTrace trace(const nlohmann::json& options, const TurnBatchData& d) {
  return mars_trace(d.view(), read_mars_options(options));
}

const std::vector<double> kCodeReturns = {0.5875, 0.725,   0.8625,  -0.7,    -0.85, -0.5875, -0.45,
                                          -0.3125, -0.175, -0.0375, 0.7,     0.55,  0.4,     0.25};
const std::vector<double> kCodeAdvantage1Token = {
    0.8732012965551407,  1.1081570327278112,  1.3431127689004814,  -1.2959860050794119, -1.5523013536314159,
    -1.134602267102224,  -0.8996465309295538, -0.6646907947568834, -0.42973505858421307, -0.19477932241154275,
    1.0962905814059591,  0.8399752328539549,  0.5836598843019509,  0.327344535749947};
const std::vector<double> kCodeAdvantage10Tokens = {
    0.9029217100580123,  1.1458744357696034,  1.3888271614811942,  -1.3400963838853628, -1.6051357210252801,
    -1.173219764204674,  -0.9302670384930831, -0.6873143127814921, -0.4443615870699012, -0.20140886135831024,
    1.1336040960871998,  0.8685647589472822,  0.6035254218073649,  0.33848608466744745};

}  // namespace

TEST_CASE("mars code mode: the worked example, step by step", "[estimators][mars]") {
  const MarsTrace t = trace({{"mode", "code"}, {"whiten_rewards", false}}, worked_example());
  REQUIRE(t.pool.size() == 2);
  CHECK(t.pool.at({0, 0}).mean == Approx(0.1875).epsilon(1e-14));
  CHECK(t.pool.at({0, 1}).mean == Approx(-0.1).epsilon(1e-14));
  check_close(t.centered_reward, {-0.1375, -0.1375, 0.8625, 0.15, -0.85, -0.1375, -0.1375, -0.1375, -0.1375, -0.0375,
                                  0.15, 0.15, 0.15, 0.25});
  CHECK(t.reward_scale == 1.0);
  check_close(t.returns, kCodeReturns);
  // P0: 9 distinct values (8 returns and the padding 0); P1: 7.
  CHECK(t.distinct.at(0).count == 9);
  CHECK(t.distinct.at(0).mean == Approx(0.068056).margin(5e-7));
  CHECK(t.distinct.at(0).mean == Approx(0.6125 / 9).epsilon(1e-13));
  CHECK(t.distinct.at(1).count == 7);
  CHECK(t.distinct.at(1).mean == Approx(0.05).epsilon(1e-13));
  check_close(t.centered_return, {0.5194444444444445, 0.6569444444444444, 0.7944444444444444, -0.75, -0.9,
                                  -0.6555555555555556, -0.5180555555555556, -0.38055555555555554, -0.24305555555555555,
                                  -0.10555555555555556, 0.65, 0.5, 0.35, 0.2});
  check_close(t.advantage, kCodeAdvantage1Token);

  // The estimator's default (whiten_rewards on) gives the same advantages up to the ε inside step 2.
  auto out = make_estimator("mars")->compute(worked_example().view());
  check_close(out.advantage, kCodeAdvantage1Token, 1e-6);
}

TEST_CASE("mars code mode: token weights and the step-2 rescale", "[estimators][mars]") {
  const auto data = worked_example(10);
  check_close(trace({{"whiten_rewards", false}}, data).advantage, kCodeAdvantage10Tokens);
  // With 10 tokens per turn step 2 scales by s = 1/√(1.73375/139 + 1e-8) ≈ 8.954; returns scale with it and the
  // final advantages move only through the ε terms (~2.5e-8).
  const MarsTrace t = trace({}, data);
  CHECK(t.reward_scale == Approx(8.953936064711527).epsilon(1e-12));
  for (std::size_t i = 0; i < kCodeReturns.size(); ++i) CHECK(t.returns[i] == Approx(kCodeReturns[i] * t.reward_scale));
  check_close(t.advantage, {0.9029217239769864, 1.145874453433811, 1.3888271828906356, -1.3400964045435955,
                            -1.6051357457692226, -1.1732197822904231, -0.9302670528335987, -0.6873143233767741,
                            -0.4443615939199496, -0.2014088644631251, 1.133604113562254, 0.8685647723366274,
                            0.6035254311110005, 0.3384860898853739},
              1e-10);
  check_close(t.advantage, kCodeAdvantage10Tokens, 5e-8);
  CHECK(make_estimator("mars")->compute(data.view()).returns == t.returns);
}

TEST_CASE("mars code mode: ablations", "[estimators][mars]") {
  // agent_specific off: one pool for step 1 (μ = 0.9/14) and one distinct-value set (c = 0.1051948); the two
  // matches' draw returns coincide across seats and count once (deduplicated in double with the tolerance).
  const MarsTrace a = trace({{"whiten_rewards", false}, {"agent_specific", false}}, worked_example());
  CHECK(a.pool.at({0, 0}).mean == Approx(0.06428571428571428).epsilon(1e-13));
  CHECK(a.distinct.at(0).mean == Approx(0.10519480519480519).epsilon(1e-12));
  check_close(a.advantage, {1.4072796340193425, 1.4307622500816437, 1.4542448661439449, -1.856803998640539,
                            -1.8333213825782373, -0.11909041003024232, -0.09560779396794102, -0.07212517790563971,
                            -0.048642561843338414, -0.02515994578103711, -0.09560779396794102, -0.07212517790563971,
                            -0.048642561843338414, -0.02515994578103711});
  // turn_level off: every turn carries its trajectory's first-turn return G_0; both seats' sets average to 0.
  const MarsTrace t = trace({{"whiten_rewards", false}, {"turn_level", false}}, worked_example());
  CHECK(t.distinct.at(0).mean == Approx(0.0).margin(1e-15));
  check_close(t.advantage, {0.8631501518287205, 0.8631501518287205, 0.8631501518287205, -1.0816350340103655,
                            -1.0816350340103655, -0.911702347869086, -0.911702347869086, -0.911702347869086,
                            -0.911702347869086, -0.911702347869086, 1.03308283797, 1.03308283797, 1.03308283797,
                            1.03308283797});
}

TEST_CASE("mars paper mode: turn-level returns normalized per (game, role)", "[estimators][mars]") {
  const auto data = worked_example();
  const MarsTrace t = trace({{"mode", "paper"}}, data);
  check_close(t.returns, {1.15, 1.1, 1.05, -0.9, -0.95, 0.35, 0.3, 0.25, 0.2, 0.15, 0.3, 0.25, 0.2, 0.15});
  // The notes' table (4 significant digits), then the exact values.
  CHECK(t.pool.at({0, 0}).mean == Approx(0.5687).margin(1e-4));
  CHECK(std::sqrt(variance(t.pool.at({0, 0}), 1)) == Approx(0.4448).margin(1e-4));
  CHECK(t.pool.at({0, 1}).mean == Approx(-0.1583).margin(1e-4));
  CHECK(std::sqrt(variance(t.pool.at({0, 1}), 1)) == Approx(0.5962).margin(1e-4));
  CHECK(t.pool.at({0, 0}).mean == Approx(0.56875).epsilon(1e-14));
  CHECK(std::sqrt(variance(t.pool.at({0, 1}), 1)) == Approx(0.5961683207506641).epsilon(1e-13));
  const auto out = make_estimator("mars", {{"mode", "paper"}})->compute(data.view());
  check_close(out.advantage, {1.3068782301354531, 1.194458597435629, 1.082038964735805, -1.2440537291197746,
                              -1.3279225198469504, -0.4918358930617296, -0.6042555257615535, -0.7166751584613774,
                              -0.8290947911612014, -0.9415144238610252, 0.7687972483324449, 0.6849284576052691,
                              0.6010596668780933, 0.5171908761509175});
  check_close(out.returns, t.returns);

  check_close(make_estimator("mars", {{"mode", "paper"}, {"turn_level", false}})->compute(data.view()).advantage,
              {1.2076118121894979, 1.2076118121894979, 1.2076118121894979, -1.2909923654058342, -1.2909923654058342,
               -0.7245670873136987, -0.7245670873136987, -0.7245670873136987, -0.7245670873136987,
               -0.7245670873136987, 0.6454961827029171, 0.6454961827029171, 0.6454961827029171, 0.6454961827029171});
  check_close(make_estimator("mars", {{"mode", "paper"}, {"agent_specific", false}})->compute(data.view()).advantage,
              {1.4434029481659227, 1.362572383068631, 1.2817418179713391, -1.8706502208230358, -1.9514807859203271,
               0.15011390660925594, 0.06928334151196429, -0.011547223585327381, -0.09237778868261905,
               -0.1732083537799107, 0.06928334151196429, -0.011547223585327381, -0.09237778868261905,
               -0.1732083537799107});
}

TEST_CASE("mars: discount per turn and rows in any order", "[estimators][mars]") {
  // One trajectory, rewards 1, 0, 2 at turns 0, 1, 2 with γ = 0.5: R = {1 + .25·2, .5·2, 2} = {1.5, 1, 2}.
  TurnBatchData d;
  d.add({4, 2, 2.0});
  d.add({4, 0, 1.0});
  d.add({4, 1, 0.0});
  const auto paper = make_estimator("mars", {{"mode", "paper"}, {"gamma", 0.5}})->compute(d.view());
  check_close(paper.returns, {2.0, 1.5, 1.0});
  // Code mode: step 1 centers on 1 → {0, −1, 1}; G = {0 + .5(−1 + .5·1), −1 + .5, 1} = {−.25, −.5, 1}.
  const MarsTrace t = trace({{"gamma", 0.5}, {"whiten_rewards", false}}, d);
  check_close(t.returns, {1.0, -0.25, -0.5});
}

TEST_CASE("mars: degenerate inputs", "[estimators][mars]") {
  for (const std::string mode : {"code", "paper"}) {
    auto est = make_estimator("mars", {{"mode", mode}});
    CHECK(est->compute(TurnBatchData{}.view()).advantage.empty());
    TurnBatchData one;
    one.add({0, 0, 1.0});
    const auto out = est->compute(one.view());
    CHECK(out.advantage == std::vector<double>{0.0});  // a one-turn pool: centered to 0 / singleton → 0
    TurnBatchData flat;  // every turn the same reward in one pool
    for (int t = 0; t < 3; ++t) flat.add({t, 0, 0.5});
    CHECK(est->compute(flat.view()).advantage == std::vector<double>(3, 0.0));
  }
  // Code mode: a seat whose returns are all 0 has U = {0}: |U| = 1 → its G' is 0.
  TurnBatchData d;
  d.add({0, 0, 1.0, 0, 0});
  d.add({1, 0, 0.0, 0, 0});
  d.add({2, 0, 0.3, 0, 1});
  const MarsTrace t = trace({}, d);
  CHECK(t.distinct.at(1).count == 1);
  CHECK(t.centered_return[2] == 0.0);
}
