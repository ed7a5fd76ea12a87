// `arena bench kernels` (CUDA builds): the MARS paper-mode pipeline as one fused kernel sequence against the same
// computation written with LibTorch tensor ops (padded [trajectories, turns] tensors, a reverse loop over turns and a
// masked mean/std per pool, the way RL-for-LLM libraries compute it), in the same binary on the same data.
#pragma once

namespace arena::kernels {
int run_kernel_bench(int repeats);
}
