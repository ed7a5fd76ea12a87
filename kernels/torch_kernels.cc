#include "kernels/torch_kernels.h"

#include <ATen/cuda/CUDAContext.h>

namespace arena::kernels {

PaperResult mars_paper(const torch::Tensor& reward, const torch::Tensor& offsets, const torch::Tensor& pool,
                       int num_pools, const PaperOptions& options) {
  TORCH_CHECK(reward.is_cuda() && offsets.is_cuda() && pool.is_cuda(), "mars_paper: tensors must be on a CUDA device");
  TORCH_CHECK(reward.scalar_type() == torch::kFloat64 && offsets.scalar_type() == torch::kInt64 &&
                  pool.scalar_type() == torch::kInt32,
              "mars_paper: reward float64, offsets int64, pool int32");
  auto r = reward.contiguous(), o = offsets.contiguous(), p = pool.contiguous();
  const std::int64_t n = r.numel();
  PaperResult out{torch::empty_like(r), torch::empty_like(r)};
  auto scratch = torch::empty({static_cast<std::int64_t>(mars_paper_scratch(n, num_pools))},
                              r.options().dtype(torch::kUInt8));
  void* stream = at::cuda::getCurrentCUDAStream().stream();
  mars_paper(r.data_ptr<double>(), o.data_ptr<std::int64_t>(), o.numel() - 1, p.data_ptr<std::int32_t>(), n,
             num_pools, options, out.returns.data_ptr<double>(), out.advantage.data_ptr<double>(),
             scratch.data_ptr(), stream);
  return out;
}

}  // namespace arena::kernels
