// `arena bench kernels` (CUDA builds): MARS paper mode, MARS code mode, GRPO and the RAE EMA scan with the kernels,
// each against the same computation written with LibTorch tensor ops in the same binary on the same data (padded
// [trajectories, turns] tensors, a reverse loop over turns, masked statistics per pool, torch.unique, index_add_ per
// group, the way RL libraries for language models write it; RAE against the CPU reference loop), at 65,536 × 16,
// 10^6 and 10^7 turns, with achieved bandwidth against the card's peak.
#pragma once

namespace arena::kernels {
int run_kernel_bench(int repeats);
}
