#include "kernels/bench.h"

#include <ATen/cuda/CUDAContext.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "kernels/torch_kernels.h"
#include "trainer/estimators/primitives.h"

namespace arena::kernels {
namespace {

// Trajectories of equal length: 3 games × 2 seats = 6 pools, GRPO groups of 16 trajectories.
struct Batch {
  std::int64_t B = 0, T = 0;
  torch::Tensor reward_padded;                   // [B, T] float64 (the tensor-op layout)
  torch::Tensor pool_traj, seat_traj, group_traj;  // [B] int64
  torch::Tensor reward, offsets, group;  // kernel layout: [n], [B+1], [n] int32 ids
  torch::Tensor pool, seat;              // int32 [B]
  int num_pools = 6, num_seats = 2, num_groups = 0;
};

Batch make_batch(std::int64_t trajectories, std::int64_t turns) {
  torch::manual_seed(7);
  auto opts = torch::TensorOptions().device(torch::kCUDA);
  Batch b;
  b.B = trajectories;
  b.T = turns;
  // Rewards on a small grid (game outcomes and shaping bonuses), so returns repeat as they do in games.
  b.reward_padded = torch::randint(-2, 3, {trajectories, turns}, opts.dtype(torch::kFloat64)) * 0.25;
  const auto game = torch::randint(0, 3, {trajectories}, opts.dtype(torch::kInt64));
  b.seat_traj = torch::randint(0, 2, {trajectories}, opts.dtype(torch::kInt64));
  b.pool_traj = game * 2 + b.seat_traj;
  b.num_groups = static_cast<int>((trajectories + 15) / 16);
  b.group_traj = torch::arange(trajectories, opts.dtype(torch::kInt64)).floor_divide(16);
  b.reward = b.reward_padded.reshape({-1});
  b.offsets = torch::arange(0, trajectories * turns + 1, turns, opts.dtype(torch::kInt64));
  auto rows = [&](const torch::Tensor& per_traj) { return per_traj.repeat_interleave(turns).to(torch::kInt32); };
  b.pool = b.pool_traj.to(torch::kInt32);
  b.seat = b.seat_traj.to(torch::kInt32);
  b.group = rows(b.group_traj);
  return b;
}

torch::Tensor reverse_returns(const torch::Tensor& x, double gamma) {
  auto returns = torch::empty_like(x);
  auto running = torch::zeros({x.size(0)}, x.options());
  for (std::int64_t t = x.size(1) - 1; t >= 0; --t) {
    running = x.select(1, t) + gamma * running;
    returns.select(1, t).copy_(running);
  }
  return returns;
}

// The baselines: the same computations with LibTorch tensor ops on padded [B, T] tensors, the way RL libraries for
// language models write them (a reverse loop over turns, masked statistics per pool, torch.unique for distinct values).
torch::Tensor torch_paper(const Batch& b, double eps) {
  auto returns = reverse_returns(b.reward_padded, 1.0);
  auto adv = torch::zeros_like(returns);
  for (int k = 0; k < b.num_pools; ++k) {
    auto mask = b.pool_traj == k;
    auto vals = returns.index({mask});
    adv.index_put_({mask}, (vals - vals.mean()) / (vals.std(/*unbiased=*/true) + eps));
  }
  return adv.reshape({-1});
}

torch::Tensor torch_code(const Batch& b, double eps) {
  auto centred = b.reward_padded.clone();
  for (int k = 0; k < b.num_pools; ++k) {
    auto mask = b.pool_traj == k;
    auto vals = b.reward_padded.index({mask});
    centred.index_put_({mask}, vals - vals.mean());
  }
  const double tokens = static_cast<double>(centred.numel());
  auto scale = torch::rsqrt(centred.pow(2).sum() / (tokens - 1) + eps);
  auto returns = reverse_returns(centred * scale, 1.0);
  auto shifted = torch::zeros_like(returns);
  for (int k = 0; k < b.num_seats; ++k) {
    auto mask = b.seat_traj == k;
    auto vals = returns.index({mask});
    auto u = std::get<0>(at::_unique(torch::cat({vals.reshape({-1}), torch::zeros({1}, vals.options())}), true, false));
    if (u.numel() > 1) shifted.index_put_({mask}, vals - u.mean());
  }
  auto mean = shifted.mean();
  auto var = shifted.var(/*unbiased=*/true);
  return ((shifted - mean) * torch::rsqrt(var + eps)).reshape({-1});
}

torch::Tensor torch_grpo(const Batch& b, double eps) {
  auto score = b.reward_padded.sum(1);
  auto ones = torch::ones_like(score);
  auto count = torch::zeros({b.num_groups}, score.options()).index_add_(0, b.group_traj, ones);
  auto mean = torch::zeros({b.num_groups}, score.options()).index_add_(0, b.group_traj, score) / count;
  auto dev = score - mean.index({b.group_traj});
  auto var = torch::zeros({b.num_groups}, score.options()).index_add_(0, b.group_traj, dev * dev) / (count - 1);
  auto adv = dev / (var.sqrt().index({b.group_traj}) + eps);
  return adv.unsqueeze(1).expand({b.B, b.T}).reshape({-1});
}

// Milliseconds per call: the best of kRounds rounds of `repeats` calls each, after one warm-up call (the same rule
// for the kernels and the baselines; the LibTorch side, bound by launching its many small kernels from the host, moved
// by up to 50% between single rounds).
constexpr int kRounds = 5;

template <typename F>
double time_ms(F&& f, int repeats) {
  f();
  cudaDeviceSynchronize();
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  double best = 0;
  for (int round = 0; round < kRounds; ++round) {
    cudaEventRecord(a, at::cuda::getCurrentCUDAStream().stream());
    for (int i = 0; i < repeats; ++i) f();
    cudaEventRecord(b, at::cuda::getCurrentCUDAStream().stream());
    cudaEventSynchronize(b);
    float ms = 0;
    cudaEventElapsedTime(&ms, a, b);
    if (round == 0 || ms / repeats < best) best = ms / repeats;
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return best;
}

template <typename F>
double cpu_ms(F&& f, int repeats) {
  f();
  double best = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i) f();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / repeats;
    if (round == 0 || ms < best) best = ms;
  }
  return best;
}

void row(const char* what, const Batch& b, double k_ms, double base_ms, double bytes, double peak, double diff) {
  char label[80];
  std::snprintf(label, sizeof label, "%s %lldx%lld=%.3g", what, static_cast<long long>(b.B),
                static_cast<long long>(b.T), static_cast<double>(b.B * b.T));
  const double gbs = bytes / (k_ms * 1e-3) / 1e9;
  std::printf("%-34s %11.4f %11.4f %8.1fx %10.1f %7.1f%% %10.2e\n", label, k_ms, base_ms, base_ms / k_ms, gbs,
              peak > 0 ? 100.0 * gbs * 1e9 / peak : 0.0, diff);
}

}  // namespace

int run_kernel_bench(const KernelBenchOptions& options) {
  if (!cuda_available()) {
    std::printf("arena bench kernels: no CUDA device\n");
    return 1;
  }
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);
  const double peak = peak_bandwidth();
  std::printf("device: %s, peak DRAM bandwidth %.0f GB/s\n", prop.name, peak / 1e9);
  std::printf("GB/s counts the bytes each pipeline reads and writes in DRAM by design (below); baseline: LibTorch\n"
              "tensor ops in this binary (RAE: the CPU reference loop, a sequential EMA has no tensor-op form).\n"
              "Times: the best of %d rounds per side.\n", kRounds);
  std::printf("%-34s %11s %11s %9s %10s %8s %10s\n", "pipeline, trajectories x turns", "kernels ms", "baseline ms",
              "ratio", "GB/s", "of peak", "max |diff|");
  const int repeats = options.repeats;
  auto wanted = [&](const char* name) {
    return std::find(options.pipelines.begin(), options.pipelines.end(), name) != options.pipelines.end();
  };
  for (auto [B, T] : options.sizes) {
    auto b = make_batch(B, T);
    const double n = static_cast<double>(B * T), S = static_cast<double>(B);
    const int slow = std::max(1, repeats / 4);
    if (wanted("paper")) {
      // MARS paper mode. Pass 1 reads rewards (8 B/turn), offsets and one pool id per trajectory and writes a few
      // partial moments per block of 256 trajectories; pass 2 reads the same and writes returns and advantages
      // (16 B/turn).
      PaperOptions o;
      PaperResult r;
      const double k = time_ms([&] { r = mars_paper(b.reward, b.offsets, b.pool, b.num_pools, o); }, repeats);
      torch::Tensor adv;
      const double t = time_ms([&] { adv = torch_paper(b, o.eps); }, slow);
      const double bytes = n * (8 + 8 + 16) + S * (8 + 4 + 8 + 4);
      row("mars paper", b, k, t, bytes, peak, (r.advantage - adv).abs().max().item<double>());
    }
    if (wanted("code")) {
      // MARS code mode, fused (kernels/mars_code.cu): passes A, B and D each read the offsets and the pool and seat
      // ids per trajectory; A and B read the rewards, B writes the returns (and puts them into the hash tables, in
      // the L2 cache), D reads the returns and writes the advantages; the tables (8 B a slot) are cleared and their
      // runs read once.
      CodeOptions o;
      o.unique_tolerance = 0;  // exact distinct values, as torch.unique takes them
      PaperResult r;
      const double k = time_ms(
          [&] { r = mars_code(b.reward, torch::Tensor(), b.offsets, b.pool, b.num_pools, b.seat, b.num_seats, o); },
          repeats);
      torch::Tensor adv;
      const double t = time_ms([&] { adv = torch_code(b, o.eps); }, slow);
      const double table = static_cast<double>(mars_code_table_bytes(B * T, b.num_seats));
      const double bytes = n * (8 + 8 + 8 + 16) + S * 3 * (8 + 8) + 2 * table;
      row("mars code", b, k, t, bytes, peak, (r.advantage - adv).abs().max().item<double>());
    }
    if (wanted("grpo")) {
      // GRPO over trajectory scores: reads rewards and one group id per trajectory, reduces, writes returns and
      // advantages (16 B/turn).
      GrpoOptions o;
      PaperResult r;
      const double k = time_ms([&] { r = grpo(b.reward, b.offsets, b.group, b.num_groups, o); }, repeats);
      torch::Tensor adv;
      const double t = time_ms([&] { adv = torch_grpo(b, o.eps); }, slow);
      const double bytes = n * (8 + 16) + S * (8 + 4 + 8 + 4 + 32);
      row("grpo", b, k, t, bytes, peak, (r.advantage - adv).abs().max().item<double>());
    }
    if (wanted("rae")) {
      // RAE: the EMA scan of the B trajectory scores over the 6 (game, seat) keys; stable key sort, then chunked
      // scans (reads the scores and keys, writes pre and post).
      auto score = b.reward_padded.sum(1).contiguous();
      auto key = b.pool_traj.to(torch::kInt32);
      auto table = torch::zeros({b.num_pools}, score.options());
      std::pair<torch::Tensor, torch::Tensor> r;
      const double k = time_ms([&] { r = ema_scan(score, key, table, 0.95); }, repeats);
      const auto hs = score.cpu(), hk = key.cpu();
      std::vector<double> x(hs.data_ptr<double>(), hs.data_ptr<double>() + B), tab(b.num_pools), pre(B), post(B);
      std::vector<std::int32_t> kv(hk.data_ptr<std::int32_t>(), hk.data_ptr<std::int32_t>() + B);
      std::vector<double> tab0(b.num_pools, 0.0);
      const double t = cpu_ms([&] { tab = tab0; estimators::segmented_ema_scan(kv, x, 0.95, tab, pre, post); }, slow);
      // The GPU table has been updated 1 + repeats times; compare one fresh scan.
      auto fresh = torch::zeros({b.num_pools}, score.options());
      r = ema_scan(score, key, fresh, 0.95);
      const double diff = (r.first.cpu() - torch::tensor(pre, torch::kFloat64)).abs().max().item<double>();
      const double bytes = S * (8 + 4 + 4 * 4 * 8 + 8 + 8 + 8 + 8);
      row("rae (ema scan)", b, k, t, bytes, peak, diff);
    }
  }
  return 0;
}

}  // namespace arena::kernels
