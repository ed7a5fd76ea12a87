// GPU kernels against their CPU references (CUDA builds; label gpu). Without a usable device every case warns and
// returns.
#include <random>

#include "kernels/torch_kernels.h"
#include "trainer/estimators/estimator.h"
#include "trainer/estimators/primitives.h"
#undef CHECK
#include "tests/catch_compat.h"

using namespace arena;

namespace {

struct Case {
  std::vector<double> reward;
  std::vector<std::int64_t> offsets{0};
  std::vector<std::int32_t> pool;
  std::vector<std::int64_t> game, role;  // per row, for the CPU estimator
};

// `lengths` per trajectory; pools = (game, role) drawn per trajectory from `games` × 2 roles.
Case make_case(const std::vector<std::int64_t>& lengths, int games, bool constant, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Case c;
  for (size_t j = 0; j < lengths.size(); ++j) {
    const std::int64_t g = static_cast<std::int64_t>(rng() % games), r = static_cast<std::int64_t>(rng() % 2);
    for (std::int64_t t = 0; t < lengths[j]; ++t) {
      c.reward.push_back(constant ? 1.0 : normal(rng));
      c.pool.push_back(static_cast<std::int32_t>(g * 2 + r));
      c.game.push_back(g);
      c.role.push_back(r);
    }
    c.offsets.push_back(static_cast<std::int64_t>(c.reward.size()));
  }
  return c;
}

torch::Tensor cuda(const std::vector<double>& v) {
  return torch::tensor(v, torch::kFloat64).to(torch::kCUDA);
}

void compare_paper(const Case& c, int num_pools) {
  const auto n = static_cast<std::int64_t>(c.reward.size());
  auto offsets = torch::tensor(c.offsets, torch::kInt64).to(torch::kCUDA);
  auto pool = torch::tensor(std::vector<std::int32_t>(c.pool), torch::kInt32).to(torch::kCUDA);
  auto r = cuda(c.reward);
  kernels::PaperOptions o;  // the CPU estimator's paper defaults: ddof 1, eps 1e-6, add_to_std, singleton zero
  auto out = kernels::mars_paper(r, offsets, pool, num_pools, o);
  auto adv = out.advantage.to(torch::kCPU);
  auto ret = out.returns.to(torch::kCPU);

  estimators::TurnBatchData data;
  for (size_t j = 0; j + 1 < c.offsets.size(); ++j)
    for (std::int64_t t = c.offsets[j]; t < c.offsets[j + 1]; ++t)
      data.add({static_cast<std::int64_t>(j), t - c.offsets[j], c.reward[t], c.game[t], c.role[t], 0, -1});
  auto est = estimators::make_estimator("mars", {{"mode", "paper"}});
  auto cpu = est->compute(data.view());
  REQUIRE(cpu.advantage.size() == static_cast<size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const double a = adv[i].item<double>(), e = cpu.advantage[i];
    if (std::abs(a - e) > 1e-9 * std::max(1.0, std::abs(e))) {
      INFO("row " << i << " kernel " << a << " cpu " << e);
      CHECK(a == e);
      return;
    }
    const double ra = ret[i].item<double>(), re = cpu.returns[i];
    if (std::abs(ra - re) > 1e-9 * std::max(1.0, std::abs(re))) {
      INFO("row " << i << " kernel return " << ra << " cpu " << re);
      CHECK(ra == re);
      return;
    }
  }
  SUCCEED();
}

}  // namespace

TEST_CASE("kernels: MARS paper mode equals the CPU estimator", "[gpu][kernels]") {
  if (!kernels::cuda_available()) {
    WARN("no CUDA device: skipped");
    return;
  }
  std::mt19937_64 rng(3);
  std::vector<std::int64_t> lengths(5000);
  for (auto& l : lengths) l = 1 + static_cast<std::int64_t>(rng() % 20);
  compare_paper(make_case(lengths, 3, false, 1), 6);
  compare_paper(make_case({7}, 1, false, 2), 2);                               // one trajectory
  compare_paper(make_case(std::vector<std::int64_t>(300, 1), 2, false, 3), 4); // one-turn trajectories
  compare_paper(make_case(lengths, 3, true, 4), 6);                            // all-equal rewards
  compare_paper(make_case({1, 3}, 2, false, 5), 4);                            // singleton pools, empty pools
}

TEST_CASE("kernels: deterministic keyed moments at 10^7 elements equal the CPU reference", "[gpu][kernels]") {
  if (!kernels::cuda_available()) {
    WARN("no CUDA device: skipped");
    return;
  }
  const std::int64_t n = 10'000'000;
  const int K = 6;
  auto x = torch::randn({n}, torch::kFloat64);
  auto key = torch::randint(0, K, {n}, torch::kInt32);
  std::vector<double> xv(x.data_ptr<double>(), x.data_ptr<double>() + n);
  std::vector<std::int32_t> kv(key.data_ptr<std::int32_t>(), key.data_ptr<std::int32_t>() + n);
  auto cpu = estimators::segmented_moments(kv, K, xv);
  auto xd = x.to(torch::kCUDA), kd = key.to(torch::kCUDA);
  auto out = torch::empty({4 * K}, xd.options());
  auto scratch = torch::empty({static_cast<std::int64_t>(kernels::keyed_moments_scratch(n, K))},
                              xd.options().dtype(torch::kUInt8));
  kernels::keyed_moments(xd.data_ptr<double>(), nullptr, kd.data_ptr<std::int32_t>(), n, K, out.data_ptr<double>(),
                         scratch.data_ptr(), nullptr);
  auto first = out.to(torch::kCPU);
  for (int k = 0; k < K; ++k) {
    CHECK(first[4 * k].item<double>() == static_cast<double>(cpu[k].count));
    CHECK(first[4 * k + 2].item<double>() == Approx(cpu[k].mean).epsilon(1e-9).margin(1e-12));
    CHECK(first[4 * k + 3].item<double>() == Approx(cpu[k].m2).epsilon(1e-9));
  }
  // Run to run: bit-identical.
  kernels::keyed_moments(xd.data_ptr<double>(), nullptr, kd.data_ptr<std::int32_t>(), n, K, out.data_ptr<double>(),
                         scratch.data_ptr(), nullptr);
  CHECK(torch::equal(first, out.to(torch::kCPU)));
  // Empty input: zeros, no launch failure.
  kernels::keyed_moments(xd.data_ptr<double>(), nullptr, kd.data_ptr<std::int32_t>(), 0, K, out.data_ptr<double>(),
                         scratch.data_ptr(), nullptr);
  CHECK(out.abs().sum().item<double>() == 0.0);
}
