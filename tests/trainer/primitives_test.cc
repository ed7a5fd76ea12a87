// The shared primitives against hand-computed values (small enough to check on paper; noted per case).
#include <cmath>
#include <vector>

#include "tests/trainer/estimator_test_util.h"
#include "trainer/estimators/primitives.h"

using namespace arena::estimators;
using arena::estimators::test::check_close;

TEST_CASE("densify numbers tuples in lexicographic order", "[estimators][primitives]") {
  const std::vector<std::int64_t> a = {5, -2, 5, 7, -2};
  const std::vector<std::int64_t> b = {1, 0, 0, 1, 0};
  const DenseKeys single = densify({a}, a.size());
  CHECK(single.id == std::vector<std::int32_t>{1, 0, 1, 2, 0});
  CHECK(single.first == std::vector<std::size_t>{1, 0, 3});
  const DenseKeys pair = densify({a, b}, a.size());  // (-2,0) (5,0) (5,1) (7,1)
  CHECK(pair.id == std::vector<std::int32_t>{2, 0, 1, 3, 0});
  CHECK(pair.first == std::vector<std::size_t>{1, 2, 0, 3});
  const DenseKeys none = densify({}, 3);
  CHECK(none.id == std::vector<std::int32_t>{0, 0, 0});
  CHECK(densify({a}, 0).count() == 0);
}

TEST_CASE("segmented moments: weighted, exact for constant keys", "[estimators][primitives]") {
  // key 0: {1, 2, 4} weights {1, 2, 1}: W = 4, mean = 9/4, M2 = 1·(5/4)² + 2·(1/4)² + 1·(7/4)² = 19/4.
  // key 1: 0.1 three times: mean exactly 0.1, M2 exactly 0. key 2: only a zero-weight element.
  const std::vector<std::int32_t> key = {0, 1, 0, 1, 0, 1, 2};
  const std::vector<double> x = {1, 0.1, 2, 0.1, 4, 0.1, 9};
  const std::vector<double> w = {1, 1, 2, 1, 1, 1, 0};
  const auto m = segmented_moments(key, 3, x, w);
  CHECK(m[0].count == 3);
  CHECK(m[0].weight == 4);
  CHECK(m[0].mean == Approx(2.25).epsilon(1e-15));
  CHECK(m[0].m2 == Approx(4.75).epsilon(1e-15));
  CHECK(m[1].mean == 0.1);
  CHECK(m[1].m2 == 0.0);
  CHECK(m[2].count == 0);
  CHECK(variance(m[0], 1) == Approx(4.75 / 3).epsilon(1e-15));
  CHECK(variance(m[0], 0) == Approx(4.75 / 4).epsilon(1e-15));
  // Large offsets: one-pass Σx² − (Σx)²/n loses these digits; the update keeps them.
  const std::vector<double> big = {1e9 + 1, 1e9 + 2, 1e9 + 3};
  const auto mb = segmented_moments(std::vector<std::int32_t>{0, 0, 0}, 1, big);
  CHECK(variance(mb[0], 1) == Approx(1.0).epsilon(1e-9));
}

TEST_CASE("zscore: epsilon placement, singletons, zero variance", "[estimators][primitives]") {
  // {1, 3}: mean 2, M2 2 → var ddof1 = 2, ddof0 = 1.
  const auto m = segmented_moments(std::vector<std::int32_t>{0, 0}, 1, std::vector<double>{1, 3})[0];
  ZScoreOptions o{1, 0.5, EpsMode::kAddToStd, Singleton::kRaw};
  CHECK(zscore(3, m, o) == Approx(1 / (std::sqrt(2.0) + 0.5)));
  o.eps_mode = EpsMode::kAddToVar;
  CHECK(zscore(3, m, o) == Approx(1 / std::sqrt(2.5)));
  o.eps_mode = EpsMode::kClampVar;
  CHECK(zscore(3, m, o) == Approx(1 / std::sqrt(2.0)));
  o.eps = 4;
  CHECK(zscore(3, m, o) == Approx(0.5));  // sqrt(max(2, 4)) = 2
  o = {0, 0.0, EpsMode::kAddToStd, Singleton::kRaw};
  CHECK(zscore(1, m, o) == Approx(-1.0));

  const auto one = segmented_moments(std::vector<std::int32_t>{0}, 1, std::vector<double>{5})[0];
  CHECK(zscore(5, one, ZScoreOptions{1, 1e-6, EpsMode::kAddToStd, Singleton::kRaw}) == Approx(5 / (1 + 1e-6)));
  CHECK(zscore(5, one, ZScoreOptions{1, 1e-6, EpsMode::kAddToStd, Singleton::kZero}) == 0.0);
  const auto flat = segmented_moments(std::vector<std::int32_t>{0, 0}, 1, std::vector<double>{0.3, 0.3})[0];
  CHECK(zscore(0.3, flat, ZScoreOptions{1, 0.0, EpsMode::kAddToStd, Singleton::kRaw}) == 0.0);
  CHECK(zscore(1, Moments{}, ZScoreOptions{}) == 0.0);
}

TEST_CASE("whitening: token-weighted, degenerate cases", "[estimators][primitives]") {
  // {1 (w 1), 3 (w 3)}: W 4, mean 2.5, M2 = 2.25 + 3·0.25 = 3, var ddof1 = 1 → scale 1/sqrt(1 + 1e-8).
  const Whitening w = whitening(std::vector<double>{1, 3}, std::vector<double>{1, 3}, 1, 1e-8, EpsMode::kAddToVar);
  CHECK_FALSE(w.degenerate);
  CHECK(w.apply(1) == Approx(-1.5 / std::sqrt(1 + 1e-8)));
  CHECK(whitening(std::vector<double>{2}, {}, 1, 1e-8, EpsMode::kAddToVar).apply(2) == 0.0);       // W − ddof = 0
  CHECK(whitening(std::vector<double>{2, 2}, {}, 1, 1e-8, EpsMode::kAddToVar).degenerate);        // zero variance
  CHECK(whitening(std::vector<double>{}, {}, 1, 1e-8, EpsMode::kAddToVar).degenerate);
}

TEST_CASE("segmented reverse scan resets at segment ends", "[estimators][primitives]") {
  // Segments {1, 2, 3} and {4, 5}, γ = 0.5: {1 + .5(2 + .5·3), 2 + .5·3, 3} = {2.75, 3.5, 3}; {6.5, 5}.
  const std::vector<std::size_t> offsets = {0, 3, 5};
  std::vector<double> x = {1, 2, 3, 4, 5}, y(5);
  segmented_reverse_scan(offsets, x, 0.5, y);
  check_close(y, {2.75, 3.5, 3, 6.5, 5});
  segmented_reverse_scan(offsets, x, 1.0, x);  // in place
  check_close(x, {6, 5, 3, 9, 5});
}

TEST_CASE("GAE per segment: hand-computed", "[estimators][primitives]") {
  // Segment {r 1, 0, 2; V .5, 1, 1.5}, γ = .9, λ = .5 (γλ = .45):
  //   δ_2 = 2 − 1.5 = .5;  δ_1 = 0 + .9·1.5 − 1 = .35;  δ_0 = 1 + .9·1 − .5 = 1.4
  //   A_2 = .5;  A_1 = .35 + .45·.5 = .575;  A_0 = 1.4 + .45·.575 = 1.65875;  ret = A + V.
  // Segment {r 3; V 1}: δ = 2 = A, ret 3 (the episode ends: nothing is bootstrapped from the next segment).
  const std::vector<std::size_t> offsets = {0, 3, 4};
  const std::vector<double> r = {1, 0, 2, 3}, v = {0.5, 1, 1.5, 1};
  std::vector<double> a(4), ret(4);
  segmented_gae(offsets, r, v, 0.9, 0.5, a, ret);
  check_close(a, {1.65875, 0.575, 0.5, 2});
  check_close(ret, {2.15875, 1.575, 2, 3});
  // λ = 1, V = 0: the discounted reward-to-go.
  std::vector<double> zero(4, 0.0), rtg(4);
  segmented_gae(offsets, r, zero, 0.5, 1.0, a, ret);
  segmented_reverse_scan(offsets, r, 0.5, rtg);
  check_close(a, rtg);
}

TEST_CASE("distinct value mean: set semantics, tolerance, extra value", "[estimators][primitives]") {
  // key 0: {1, 1, 2} ∪ {0} → U = {0, 1, 2}, mean 1, std 1. key 1: {0.3, 0.1 + 0.2} ∪ {0}: 0.1 + 0.2 differs from 0.3
  // in the last bit, so with a tolerance U = {0, 0.3} (mean 0.15), with none U has 3 values. key 2: none → U = {0}.
  const std::vector<std::int32_t> key = {0, 0, 0, 1, 1};
  const std::vector<double> v = {1, 1, 2, 0.3, 0.1 + 0.2};
  const auto d = distinct_value_mean(key, 3, v, 1e-9, 0.0);
  CHECK(d[0].count == 3);
  CHECK(d[0].mean == Approx(1.0));
  CHECK(d[0].std == Approx(1.0));
  CHECK(d[1].count == 2);
  CHECK(d[1].mean == Approx(0.15));
  CHECK(d[2].count == 1);
  CHECK(d[2].std == 0.0);
  CHECK(distinct_value_mean(key, 3, v, 0.0, 0.0)[1].count == 3);
  CHECK(distinct_value_mean(key, 3, v, 1e-9, std::nullopt)[0].mean == Approx(1.5));
}

TEST_CASE("segmented EMA scan: sequential per key", "[estimators][primitives]") {
  // α = 0.5, key 0 starts at 0: x 1 → pre 0, post .5; x 3 → pre .5, post 1.75. key 1 starts at 2: x 0 → 2, 1.
  const std::vector<std::int32_t> key = {0, 1, 0};
  const std::vector<double> x = {1, 0, 3};
  std::vector<double> table = {0, 2}, pre(3), post(3);
  segmented_ema_scan(key, x, 0.5, table, pre, post);
  check_close(pre, {0, 2, 0.5});
  check_close(post, {0.5, 1, 1.75});
  check_close(table, {1.75, 1});
}
