// rae and spo_single: values over several steps against a plain-Python replay of the header formulas in
// tests/trainer/expected_values.py (exact fractions for the EMA, floats for SPO's trackers and 2^x), and exact
// resume through save_state/load_state.
#include <cmath>
#include <vector>

#include "games/api/params.h"
#include "tests/trainer/estimator_test_util.h"
#include "trainer/estimators/rae.h"
#include "trainer/estimators/spo_single.h"

using namespace arena::estimators;
using arena::estimators::test::check_close;
using arena::estimators::test::message_contains;

namespace {

// rae batch 1: (0,0) has trajectories 1 (R 1, 3 turns) and 4 (R 1); (0,1) trajectory 2 (R −1); (1,0) trajectory 3.
TurnBatchData rae_batch1() {
  TurnBatchData d;
  d.add({1, 0, 0.0, 0, 0});
  d.add({1, 1, 0.0, 0, 0});
  d.add({1, 2, 1.0, 0, 0});
  d.add({2, 0, 0.0, 0, 1});
  d.add({2, 1, -1.0, 0, 1});
  d.add({3, 0, 0.5, 1, 0});
  d.add({4, 0, 1.0, 0, 0});
  return d;
}
// rae batch 2: trajectory 7 is a new key (2,0) with R = 0 = its initial baseline → advantage exactly 0.
TurnBatchData rae_batch2() {
  TurnBatchData d;
  d.add({5, 0, 0.0, 0, 0});
  d.add({5, 1, 0.0, 0, 0});
  d.add({6, 0, 1.0, 0, 1});
  d.add({7, 0, 0.0, 2, 0});
  return d;
}

TurnBatchData spo_batch(const std::vector<std::pair<std::int64_t, double>>& prompt_reward) {
  TurnBatchData d;
  std::int64_t traj = 0;
  for (const auto& [prompt, r] : prompt_reward) d.add({traj++, 0, r, 0, 0, prompt});
  return d;
}

}  // namespace

TEST_CASE("rae: pre-update EMA baseline per (game, role)", "[estimators][rae]") {
  auto rae = make_estimator("rae");
  auto out = rae->compute(rae_batch1().view());
  // The second (0,0) trajectory sees the first's update: b = 0.05 → A = 0.95.
  check_close(out.advantage, {1.0, 1.0, 1.0, -1.0, -1.0, 0.5, 0.95});
  check_close(out.returns, {1, 1, 1, -1, -1, 0.5, 1});
  out = rae->compute(rae_batch2().view());
  check_close(out.advantage, {-0.0975, -0.0975, 1.05, 0.0});
  CHECK(out.keep == std::vector<std::uint8_t>{1, 1, 1, 0});
  const auto& r = dynamic_cast<const Rae&>(*rae);
  CHECK(r.baseline(0, 0) == Approx(0.092625).epsilon(1e-14));
  CHECK(r.baseline(0, 1) == Approx(0.0025).epsilon(1e-14));
  CHECK(r.baseline(1, 0) == Approx(0.025).epsilon(1e-14));
  CHECK(r.baseline(9, 9) == 0.0);
}

TEST_CASE("rae: post-update order, role keying, discount, no filtering", "[estimators][rae]") {
  auto post = make_estimator("rae", {{"baseline", "post_update"}});
  check_close(post->compute(rae_batch1().view()).advantage, {0.95, 0.95, 0.95, -0.95, -0.95, 0.475, 0.9025});
  check_close(post->compute(rae_batch2().view()).advantage, {-0.092625, -0.092625, 0.9975, 0.0});

  auto role = make_estimator("rae", {{"key", "role"}});  // games 0, 1 and 2 share one baseline per role
  check_close(role->compute(rae_batch1().view()).advantage, {1.0, 1.0, 1.0, -1.0, -1.0, 0.45, 0.9275});
  check_close(role->compute(rae_batch2().view()).advantage, {-0.118875, -0.118875, 1.05, -0.11293125});

  auto disc = make_estimator("rae", {{"gamma", 0.5}, {"alpha", 0.5}, {"drop_zero", false}});
  auto out = disc->compute(rae_batch1().view());
  check_close(out.advantage, {0.25, 0.5, 1.0, -0.5, -1.0, 0.5, 0.5});
  check_close(out.returns, {0.25, 0.5, 1.0, -0.5, -1.0, 0.5, 1.0});
  CHECK(disc->compute(rae_batch2().view()).keep == std::vector<std::uint8_t>{1, 1, 1, 1});
}

TEST_CASE("rae: save/load resumes exactly", "[estimators][rae][state]") {
  auto a = make_estimator("rae", {{"alpha", 0.9}});
  a->compute(rae_batch1().view());
  const std::string saved = a->save_state().dump();
  auto b = make_estimator("rae", {{"alpha", 0.9}});
  b->load_state(nlohmann::json::parse(saved));
  for (int step = 0; step < 3; ++step) {
    const auto oa = a->compute(rae_batch2().view());
    const auto ob = b->compute(rae_batch2().view());
    CHECK(oa.advantage == ob.advantage);  // bit-identical
    CHECK(oa.keep == ob.keep);
  }
  CHECK(a->save_state() == b->save_state());

  auto role = make_estimator("rae", {{"key", "role"}});
  CHECK_THROWS_AS(role->load_state(nlohmann::json::parse(saved)), arena::Error);
  CHECK_THROWS_AS(b->load_state({{"estimator", "rae"}, {"version", 1}, {"key", "game_role"}, {"baselines", 3}}),
                  arena::Error);
  CHECK_THROWS_AS(b->load_state({{"estimator", "spo_single"}, {"version", 1}}), arena::Error);
  CHECK_THROWS_AS(b->load_state(nullptr), arena::Error);
}

TEST_CASE("spo_single: tracker baseline, KL-adaptive forgetting, duplicates", "[estimators][spo_single]") {
  // Step 1: prompts 7 and 8 unseen (p̂ = 0.5); prompt 9 seeded with 6 successes of 8 → α = 8·6.5/9, β = 8·2.5/9.
  // Then D_7 = 0.01 → ρ = 2^(−1/6); D_8 = 0.5 → ρ clamps to 0.875; prompt 9 unreported → D = 0 → ρ = 0.96.
  // Step 2 has prompt 7 twice. Step 3 comes without observe_policy_shift, so step 2's update uses D = 0 (ρ = 0.96):
  // duplicates = last folds in only the last reward of prompt 7; sequential folds in both.
  for (const std::string mode : {"last", "sequential"}) {
    auto est = make_estimator("spo_single", {{"duplicates", mode}});
    auto& spo = dynamic_cast<SpoSingle&>(*est);
    spo.seed_prompt(9, 6, 8);
    auto out = est->compute(spo_batch({{7, 1}, {8, 0}, {9, 1}}).view());
    check_close(out.advantage, {0.7758801626683389, -1.1285529638812202, 0.35267280121288136});
    const std::vector<std::int64_t> groups = {7, 8};
    const std::vector<double> divergence = {0.01, 0.5};
    est->observe_policy_shift(groups, divergence);
    CHECK(spo.tracker(7).first == Approx(1.4454493590701696).epsilon(1e-14));
    CHECK(spo.tracker(7).second == Approx(0.44544935907016964).epsilon(1e-14));
    CHECK(spo.tracker(8).first == Approx(0.4375).epsilon(1e-14));
    CHECK(spo.tracker(9).first == Approx(6.546666666666666).epsilon(1e-14));
    CHECK(spo.tracker(9).second == Approx(2.1333333333333333).epsilon(1e-14));

    out = est->compute(spo_batch({{7, 0}, {7, 1}, {8, 1}}).view());
    check_close(out.advantage, {-1.0852515292521443, 0.20105320576658595, 0.8841983234855583});
    out = est->compute(spo_batch({{7, 0}, {8, 0}, {10, 1}}).view());
    if (mode == "last") {
      check_close(out.advantage, {-0.8032272251759793, -0.3168009543712942, 1.1200281795472735});
      CHECK(spo.tracker(7).first == Approx(2.3876313847073627).epsilon(1e-14));
    } else {
      check_close(out.advantage, {-0.6734848436575248, -0.4755466841929619, 1.1490315278504868});
      CHECK(spo.tracker(7).second == Approx(1.3705261293190683).epsilon(1e-14));
    }
    CHECK(spo.tracker(8).first == Approx(1.42).epsilon(1e-14));
    CHECK(spo.sampling_weight(8) == Approx(std::sqrt(1.42 / 2.8 * 1.38 / 2.8) + 0.05));
  }
}

TEST_CASE("spo_single: constant forgetting, reward range, no normalization", "[estimators][spo_single]") {
  // reward_min −1: R ∈ {−1, 0, 1} → y ∈ {0, .5, 1}; without normalization A = y − p̂ = y − 0.5.
  auto est = make_estimator("spo_single", {{"forgetting", "constant"}, {"rho", 0.5}, {"reward_min", -1},
                                           {"normalize", false}});
  auto out = est->compute(spo_batch({{1, -1}, {2, 0}, {3, 1}}).view());
  check_close(out.advantage, {-0.5, 0.0, 0.5});
  check_close(out.returns, {-1, 0, 1});
  const std::vector<std::int64_t> g = {1};
  const std::vector<double> d = {10.0};  // ignored with constant forgetting
  est->observe_policy_shift(g, d);
  const auto& spo = dynamic_cast<const SpoSingle&>(*est);
  CHECK(spo.tracker(1).first == Approx(0.25));   // 0.5·0.5 + 0
  CHECK(spo.tracker(1).second == Approx(1.25));  // 0.5·0.5 + 1
  CHECK(spo.tracker(2).first == Approx(0.75));
  CHECK_THROWS_AS(est->compute(spo_batch({{1, 2}}).view()), arena::Error);
  CHECK_THROWS_AS(est->observe_policy_shift(g, std::vector<double>{}), arena::Error);
}

TEST_CASE("spo_single: save/load resumes exactly, pending update included", "[estimators][spo_single][state]") {
  auto a = make_estimator("spo_single");
  dynamic_cast<SpoSingle&>(*a).seed_prompt(3, 2, 8);
  a->compute(spo_batch({{1, 1}, {2, 0}, {3, 1}}).view());
  a->observe_policy_shift(std::vector<std::int64_t>{1, 3}, std::vector<double>{0.02, 0.1});
  a->compute(spo_batch({{1, 0}, {2, 1}, {3, 1}, {4, 0}}).view());  // leaves a pending update
  const std::string saved = a->save_state().dump();
  auto b = make_estimator("spo_single");
  b->load_state(nlohmann::json::parse(saved));
  CHECK(nlohmann::json::parse(saved)["pending"].size() == 4);
  const auto batch = spo_batch({{1, 1}, {2, 1}, {3, 0}, {4, 1}, {5, 0}});
  for (int step = 0; step < 3; ++step) {
    CHECK(a->compute(batch.view()).advantage == b->compute(batch.view()).advantage);  // bit-identical
    a->observe_policy_shift(std::vector<std::int64_t>{2}, std::vector<double>{0.03});
    b->observe_policy_shift(std::vector<std::int64_t>{2}, std::vector<double>{0.03});
  }
  CHECK(a->save_state() == b->save_state());
  CHECK_THROWS_AS(b->load_state({{"estimator", "spo_single"}, {"version", 1}, {"trackers", {{{"prompt", 1}}}},
                                 {"pending", nlohmann::json::array()}}),
                  arena::Error);
  try {
    b->load_state({{"estimator", "spo_single"}, {"version", 2}});
    FAIL("expected an error");
  } catch (const arena::Error& e) {
    CHECK(message_contains(e, "version"));
  }
}
