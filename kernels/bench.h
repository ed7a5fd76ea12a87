// `arena bench kernels` (CUDA builds): MARS paper mode, MARS code mode, GRPO and the RAE EMA scan with the kernels,
// each against the same computation written with LibTorch tensor ops in the same binary on the same data (padded
// [trajectories, turns] tensors, a reverse loop over turns, masked statistics per pool, torch.unique, index_add_ per
// group, the way RL libraries for language models write it; RAE against the CPU reference loop), by default at
// 65,536 × 16, 10^6 and 10^7 turns, with achieved bandwidth against the card's peak. Torch- and CUDA-free: the command
// line (tools/arena/cmd_bench.cc) checks its options in every build.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace arena::kernels {

// The pipelines the bench times, in the order it runs them.
inline const std::vector<std::string>& kernel_bench_pipelines() {
  static const std::vector<std::string> names{"paper", "code", "grpo", "rae"};
  return names;
}

struct KernelBenchOptions {
  int repeats = 20;                    // timed calls per round (the LibTorch side: a quarter of them, at least 1)
  std::vector<std::string> pipelines;  // a subset of kernel_bench_pipelines(), run in that order
  std::vector<std::pair<std::int64_t, std::int64_t>> sizes;  // {trajectories, turns}, in the order given
};

// The default sizes: 65,536 × 16, 62,500 × 16 (10^6 turns) and 625,000 × 16 (10^7 turns).
inline std::vector<std::pair<std::int64_t, std::int64_t>> default_kernel_bench_sizes() {
  return {{65536, 16}, {62500, 16}, {625000, 16}};
}

// Runs the bench on CUDA device 0 and prints its table; 1 when there is no CUDA device.
int run_kernel_bench(const KernelBenchOptions& options);

}  // namespace arena::kernels
