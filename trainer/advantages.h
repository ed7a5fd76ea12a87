// Advantages for a training step: with the CUDA kernels (kernels/torch_kernels.h) when the policy lives on a GPU and
// the estimator is mars or grpo, otherwise with the CPU estimator. Same formulas either way; the GPU parity tests hold
// them equal (1e-9). Include only from torch translation units.
#pragma once

#include <torch/torch.h>

#include "trainer/estimators/estimator.h"

namespace arena::trainer {

estimators::EstimatorOutput compute_advantages(estimators::AdvantageEstimator& estimator,
                                               const estimators::TurnBatch& batch, torch::Device device);

}  // namespace arena::trainer
