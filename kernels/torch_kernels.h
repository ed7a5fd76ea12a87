// LibTorch adapter of the CUDA kernels (CUDA builds only; include from torch translation units): maps CUDA tensors
// onto kernels/kernels.h on the current stream, and computes an estimator's advantages with the kernels.
#pragma once

#include <optional>

#include <torch/torch.h>

#include "kernels/kernels.h"
#include "trainer/estimators/estimator.h"

namespace arena::kernels {

struct PaperResult {
  torch::Tensor returns, advantage;  // float64 [n], on the input's device
};
// reward: float64 [n]; offsets: int64 [S+1] (rows grouped by trajectory in turn order); pool: int32 [S] dense ids, one
// per trajectory.
PaperResult mars_paper(const torch::Tensor& reward, const torch::Tensor& offsets, const torch::Tensor& pool,
                       int num_pools, const PaperOptions& options);
// As above; weight: float64 [n] token counts or an undefined tensor (1 per row); seat: int32 [S] dense ids, one per
// trajectory.
PaperResult mars_code(const torch::Tensor& reward, const torch::Tensor& weight, const torch::Tensor& offsets,
                      const torch::Tensor& pool, int num_pools, const torch::Tensor& seat, int num_seats,
                      const CodeOptions& options);
// group: int32 [n] dense ids.
PaperResult grpo(const torch::Tensor& reward, const torch::Tensor& offsets, const torch::Tensor& group, int num_groups,
                 const GrpoOptions& options);
// x: float64 [n], key: int32 [n]; table: float64 [num_keys] on the same device, updated in place. Returns {pre, post}.
std::pair<torch::Tensor, torch::Tensor> ema_scan(const torch::Tensor& x, const torch::Tensor& key,
                                                 torch::Tensor& table, double alpha);

// The estimator's advantages for a turn batch held on the CPU (rows in any order), computed on `device` with the
// kernels when the estimator has them: mars (both modes), grpo and rae (its baselines are read and written back; its
// chunked EMA scan agrees with the CPU's sequential one to rounding, so an advantage the CPU computes as exactly 0,
// which drop_zero drops, may come out a last bit away: the trainers keep rae on the CPU).
// The rows are grouped by trajectory in turn order and keys numbered on the CPU exactly as the CPU estimator numbers
// them, and the results are scattered back to the batch's row order. nullopt for any other estimator (the caller
// uses the CPU one). The batch is validated as the CPU estimator validates it.
std::optional<estimators::EstimatorOutput> kernel_advantages(estimators::AdvantageEstimator& estimator,
                                                             const estimators::TurnBatch& batch, torch::Device device);

}  // namespace arena::kernels
