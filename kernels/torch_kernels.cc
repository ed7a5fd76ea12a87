#include "kernels/torch_kernels.h"

#include "trainer/estimators/primitives.h"

#include <ATen/cuda/CUDAContext.h>

#include <vector>

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

estimators::EstimatorOutput mars_paper_advantages(const estimators::TurnBatch& batch,
                                                  const estimators::MarsOptions& o, torch::Device device) {
  const auto index = estimators::index_trajectories(batch);
  const std::int64_t n = static_cast<std::int64_t>(batch.size());
  auto out = estimators::make_output(static_cast<size_t>(n));
  if (n == 0) return out;
  // Rows in trajectory order; pools numbered as the CPU estimator numbers them (ascending (game, role)).
  std::vector<double> reward(n);
  std::vector<std::int64_t> game(n), role(n);
  for (std::int64_t k = 0; k < n; ++k) {
    const auto row = index.order[k];
    reward[k] = batch.reward[row];
    game[k] = batch.game[row];
    role[k] = o.agent_specific ? batch.role[row] : 0;
  }
  const auto pools = estimators::densify({game, role}, static_cast<size_t>(n));
  const std::vector<std::int32_t>& pool = pools.id;
  std::vector<std::int64_t> offsets(index.offsets.begin(), index.offsets.end());
  PaperOptions po;
  po.gamma = o.gamma;
  po.ddof = o.paper.ddof;
  po.eps = o.paper.eps;
  po.eps_mode = static_cast<int>(o.paper.eps_mode);
  po.singleton = o.paper.singleton == estimators::Singleton::kZero ? 1 : 0;
  auto r = mars_paper(torch::tensor(reward, torch::kFloat64).to(device), torch::tensor(offsets, torch::kInt64).to(device),
                      torch::tensor(pool, torch::kInt32).to(device), static_cast<int>(pools.count()), po);
  auto adv = r.advantage.to(torch::kCPU).contiguous(), ret = r.returns.to(torch::kCPU).contiguous();
  for (std::int64_t k = 0; k < n; ++k) {
    out.advantage[index.order[k]] = adv.data_ptr<double>()[k];
    out.returns[index.order[k]] = ret.data_ptr<double>()[k];
  }
  return out;
}

}  // namespace arena::kernels
