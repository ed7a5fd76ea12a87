#include "kernels/bench.h"

#include <ATen/cuda/CUDAContext.h>
#include <cuda_runtime.h>

#include <cstdio>
#include <vector>

#include "kernels/torch_kernels.h"

namespace arena::kernels {
namespace {

struct Batch {
  torch::Tensor reward_flat, offsets, pool_flat;  // kernel layout
  torch::Tensor reward_padded, pool_traj;         // torch-op layout [B, T], [B]
  int num_pools = 6;
};

Batch make_batch(std::int64_t trajectories, std::int64_t turns) {
  torch::manual_seed(7);
  auto opts = torch::TensorOptions().device(torch::kCUDA);
  Batch b;
  b.reward_padded = torch::randn({trajectories, turns}, opts.dtype(torch::kFloat64));
  b.pool_traj = torch::randint(0, b.num_pools, {trajectories}, opts.dtype(torch::kInt32));
  b.reward_flat = b.reward_padded.reshape({-1});
  b.offsets = torch::arange(0, trajectories * turns + 1, turns, opts.dtype(torch::kInt64));
  b.pool_flat = b.pool_traj.repeat_interleave(turns);
  return b;
}

// The baseline: tensor ops only.
torch::Tensor torch_ops(const Batch& b, const PaperOptions& o) {
  const auto T = b.reward_padded.size(1);
  auto returns = torch::empty_like(b.reward_padded);
  auto running = torch::zeros({b.reward_padded.size(0)}, b.reward_padded.options());
  for (std::int64_t t = T - 1; t >= 0; --t) {
    running = b.reward_padded.select(1, t) + o.gamma * running;
    returns.select(1, t).copy_(running);
  }
  auto adv = torch::zeros_like(returns);
  for (int k = 0; k < b.num_pools; ++k) {
    auto mask = (b.pool_traj == k);
    auto vals = returns.index({mask});
    auto mean = vals.mean();
    auto std = vals.std(/*unbiased=*/true);
    adv.index_put_({mask}, (vals - mean) / (std + o.eps));
  }
  return adv.reshape({-1});
}

template <typename F>
double time_ms(F&& f, int repeats) {
  f();
  cudaDeviceSynchronize();
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  cudaEventRecord(a, at::cuda::getCurrentCUDAStream().stream());
  for (int i = 0; i < repeats; ++i) f();
  cudaEventRecord(b, at::cuda::getCurrentCUDAStream().stream());
  cudaEventSynchronize(b);
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return ms / repeats;
}

}  // namespace

int run_kernel_bench(int repeats) {
  if (!cuda_available()) {
    std::printf("arena bench kernels: no CUDA device\n");
    return 1;
  }
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);
  const double peak = peak_bandwidth();
  std::printf("device: %s, peak DRAM bandwidth %.0f GB/s\n", prop.name, peak / 1e9);
  std::printf("%-28s %12s %12s %8s %14s %8s %10s\n", "batch (MARS paper mode)", "kernels ms", "torch ops ms", "ratio",
              "kernel GB/s", "of peak", "max |diff|");
  PaperOptions o;
  o.singleton = 1;
  const std::vector<std::pair<std::int64_t, std::int64_t>> sizes = {{65536, 16}, {62500, 16}, {625000, 16}};
  for (auto [B, T] : sizes) {
    auto b = make_batch(B, T);
    PaperResult r;
    const double k_ms = time_ms([&] { r = mars_paper(b.reward_flat, b.offsets, b.pool_flat, b.num_pools, o); }, repeats);
    torch::Tensor adv;
    const double t_ms = time_ms([&] { adv = torch_ops(b, o); }, std::max(1, repeats / 4));
    const double diff = (r.advantage - adv).abs().max().item<double>();
    const double n = static_cast<double>(B * T);
    // Bytes the fused pipeline moves at least: the scan reads rewards (8) and writes returns (8); the z-score pass
    // reads returns (8) and pool ids (4) and writes advantages (8); offsets are read twice.
    const double bytes = n * (8 + 8 + 8 + 4 + 8) + 16.0 * (B + 1);
    const double gbs = bytes / (k_ms * 1e-3) / 1e9;
    char label[64];
    std::snprintf(label, sizeof label, "%lld x %lld = %.2g turns", static_cast<long long>(B),
                  static_cast<long long>(T), n);
    std::printf("%-28s %12.4f %12.4f %7.1fx %14.1f %7.1f%% %10.2e\n", label, k_ms, t_ms, t_ms / k_ms, gbs,
                peak > 0 ? 100.0 * gbs * 1e9 / peak : 0.0, diff);
  }
  return 0;
}

}  // namespace arena::kernels
