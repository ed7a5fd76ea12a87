#include "trainer/advantages.h"

#ifdef ARENA_HAVE_CUDA_KERNELS
#include "kernels/torch_kernels.h"
#endif

namespace arena::trainer {

estimators::EstimatorOutput compute_advantages(estimators::AdvantageEstimator& estimator,
                                               const estimators::TurnBatch& batch, torch::Device device) {
#ifdef ARENA_HAVE_CUDA_KERNELS
  if (device.is_cuda())
    if (auto out = kernels::kernel_advantages(estimator, batch, device)) return std::move(*out);
#endif
  return estimator.compute(batch);
}

}  // namespace arena::trainer
