// LibTorch adapter of the CUDA kernels (CUDA builds only; include from torch translation units): maps CUDA tensors
// onto kernels/kernels.h on the current stream.
#pragma once

#include <torch/torch.h>

#include "kernels/kernels.h"

namespace arena::kernels {

struct PaperResult {
  torch::Tensor returns, advantage;  // float64 [n], on the input's device
};
// reward: float64 [n]; offsets: int64 [S+1] (rows grouped by trajectory in turn order); pool: int32 [n] dense ids.
PaperResult mars_paper(const torch::Tensor& reward, const torch::Tensor& offsets, const torch::Tensor& pool,
                       int num_pools, const PaperOptions& options);

}  // namespace arena::kernels
