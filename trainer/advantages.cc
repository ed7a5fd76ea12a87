#include "trainer/advantages.h"

#ifdef ARENA_HAVE_CUDA_KERNELS
#include "kernels/torch_kernels.h"
#endif

namespace arena::trainer {

estimators::EstimatorOutput compute_advantages(estimators::AdvantageEstimator& estimator,
                                               const estimators::TurnBatch& batch, torch::Device device) {
#ifdef ARENA_HAVE_CUDA_KERNELS
  // rae stays on the CPU: its kernel agrees to rounding, but drop_zero keeps or drops a turn on an exact zero, which
  // the last bit decides (and it scans one value per trajectory, which costs the CPU little).
  if (device.is_cuda() && estimator.name() != "rae")
    if (auto out = kernels::kernel_advantages(estimator, batch, device)) return std::move(*out);
#endif
  return estimator.compute(batch);
}

}  // namespace arena::trainer
