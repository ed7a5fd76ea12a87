// LibTorch adapter of the CUDA kernels (CUDA builds only; include from torch translation units): maps CUDA tensors
// onto kernels/kernels.h on the current stream.
#pragma once

#include <torch/torch.h>

#include "kernels/kernels.h"
#include "trainer/estimators/estimator.h"
#include "trainer/estimators/mars.h"

namespace arena::kernels {

struct PaperResult {
  torch::Tensor returns, advantage;  // float64 [n], on the input's device
};
// reward: float64 [n]; offsets: int64 [S+1] (rows grouped by trajectory in turn order); pool: int32 [n] dense ids.
PaperResult mars_paper(const torch::Tensor& reward, const torch::Tensor& offsets, const torch::Tensor& pool,
                       int num_pools, const PaperOptions& options);

// MARS paper mode over a turn batch held on the CPU (rows in any order), computed on `device` with the kernels: the
// rows are grouped by trajectory in turn order and pools numbered in ascending (game, role) order on the CPU, as the
// CPU estimator does, and the results are scattered back to the batch's row order.
estimators::EstimatorOutput mars_paper_advantages(const estimators::TurnBatch& batch,
                                                  const estimators::MarsOptions& options, torch::Device device);

}  // namespace arena::kernels
