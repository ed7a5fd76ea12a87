#include "kernels/torch_kernels.h"

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include <algorithm>
#include <span>
#include <vector>

#include "games/api/params.h"
#include "trainer/estimators/mars.h"
#include "trainer/estimators/primitives.h"
#include "trainer/estimators/rae.h"

namespace arena::kernels {
namespace {

void* current_stream() { return at::cuda::getCurrentCUDAStream().stream(); }

void check_rows(const torch::Tensor& reward, const torch::Tensor& offsets, int num_keys, const char* what) {
  TORCH_CHECK(reward.is_cuda() && offsets.is_cuda() && offsets.device() == reward.device(), what,
              ": tensors must be on one CUDA device");
  TORCH_CHECK(reward.scalar_type() == torch::kFloat64 && offsets.scalar_type() == torch::kInt64, what,
              ": reward float64, offsets int64");
  TORCH_CHECK(offsets.dim() == 1 && offsets.numel() >= 1, what, ": offsets must hold trajectories + 1 entries");
  TORCH_CHECK(reward.numel() == 0 || num_keys >= 1, what, ": at least one key");
}
void check_keys(const torch::Tensor& key, const torch::Tensor& like, const char* what) {
  TORCH_CHECK(key.device() == like.device() && key.scalar_type() == torch::kInt32 && key.numel() == like.numel(), what,
              ": keys must be int32 tensors on the values' device with one id per row (ids in [0, number of keys))");
}
torch::Tensor scratch_of(std::size_t bytes, const torch::Tensor& like) {
  return torch::empty({static_cast<std::int64_t>(bytes)}, like.options().dtype(torch::kUInt8));
}

torch::Tensor to_device(const std::vector<double>& v, torch::Device d) {
  return torch::tensor(v, torch::kFloat64).to(d);
}
torch::Tensor to_device(const std::vector<std::int32_t>& v, torch::Device d) {
  return torch::tensor(v, torch::kInt32).to(d);
}
std::vector<double> to_host(const torch::Tensor& t) {
  auto c = t.to(torch::kCPU).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

nlohmann::json options_without_name(const estimators::AdvantageEstimator& e) {
  auto j = e.options();
  j.erase("name");
  return j;
}

int eps_mode_of(estimators::EpsMode m) { return static_cast<int>(m); }

// The batch in trajectory order, with what every kernel pipeline needs.
struct Ordered {
  estimators::TrajectoryIndex index;
  std::vector<double> reward;
  std::vector<std::int64_t> offsets;
  torch::Tensor reward_d, offsets_d;
  Ordered(const estimators::TurnBatch& batch, torch::Device device) : index(estimators::index_trajectories(batch)) {
    reward.resize(batch.size());
    for (std::size_t k = 0; k < batch.size(); ++k) reward[k] = batch.reward[index.order[k]];
    offsets.assign(index.offsets.begin(), index.offsets.end());
    reward_d = to_device(reward, device);
    offsets_d = torch::tensor(offsets, torch::kInt64).to(device);
  }
  // Dense ids (numbered from the rows in batch order, as the CPU estimators number them) in trajectory order.
  std::vector<std::int32_t> ordered(const estimators::DenseKeys& keys) const {
    std::vector<std::int32_t> out(keys.id.size());
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = keys.id[index.order[k]];
    return out;
  }
  // The id of each trajectory's first row.
  std::vector<std::int32_t> per_trajectory(const std::vector<std::int32_t>& row_ids) const {
    std::vector<std::int32_t> out(index.size());
    for (std::size_t j = 0; j < out.size(); ++j) out[j] = row_ids[index.offsets[j]];
    return out;
  }
  estimators::EstimatorOutput scatter(const PaperResult& r) const {
    auto out = estimators::make_output(index.order.size());
    const auto adv = to_host(r.advantage), ret = to_host(r.returns);
    for (std::size_t k = 0; k < adv.size(); ++k) {
      out.advantage[index.order[k]] = adv[k];
      out.returns[index.order[k]] = ret[k];
    }
    return out;
  }
};

estimators::EstimatorOutput mars_on_device(const estimators::AdvantageEstimator& est, const estimators::TurnBatch& batch,
                                           torch::Device device) {
  const auto o = estimators::read_mars_options(options_without_name(est));
  const std::size_t n = batch.size();
  Ordered rows(batch, device);
  const std::vector<std::int64_t> no_role(n, 0);
  const auto& role = o.agent_specific ? batch.role : std::span<const std::int64_t>(no_role);
  const auto pools = estimators::densify({batch.game, role}, n);
  // One pool (and seat) per trajectory: its first row's (a trajectory is one seat of one game).
  const auto pool_of = rows.per_trajectory(rows.ordered(pools));
  if (o.mode == estimators::MarsOptions::Mode::kPaper) {
    PaperOptions po;
    po.gamma = o.gamma;
    po.ddof = o.paper.ddof;
    po.eps = o.paper.eps;
    po.eps_mode = eps_mode_of(o.paper.eps_mode);
    po.singleton = o.paper.singleton == estimators::Singleton::kZero ? 1 : 0;
    po.turn_level = o.turn_level;
    return rows.scatter(mars_paper(rows.reward_d, rows.offsets_d, to_device(pool_of, device),
                                   static_cast<int>(pools.count()), po));
  }
  const auto seats = estimators::densify({role}, n);
  torch::Tensor weight;
  if (batch.has_tokens()) {
    const auto w = estimators::turn_weights(batch);
    std::vector<double> ordered(n);
    for (std::size_t k = 0; k < n; ++k) ordered[k] = w[rows.index.order[k]];
    weight = to_device(ordered, device);
  }
  CodeOptions co;
  co.gamma = o.gamma;
  co.whiten_rewards = o.whiten_rewards;
  co.eps = o.code_eps;
  co.unique_tolerance = o.unique_tolerance;
  co.turn_level = o.turn_level;
  const auto seat_of = rows.per_trajectory(rows.ordered(seats));
  return rows.scatter(mars_code(rows.reward_d, weight, rows.offsets_d, to_device(pool_of, device),
                                static_cast<int>(pools.count()), to_device(seat_of, device),
                                static_cast<int>(seats.count()), co));
}

estimators::EstimatorOutput grpo_on_device(const estimators::AdvantageEstimator& est, const estimators::TurnBatch& batch,
                                           torch::Device device) {
  estimators::OptionReader r("grpo", options_without_name(est));
  const bool unit_trajectory = estimators::read_unit(r) == estimators::SampleUnit::kTrajectory;
  const auto z = estimators::read_zscore_options(r, estimators::ZScoreOptions{});
  Ordered rows(batch, device);
  if (unit_trajectory)  // the CPU estimator's rule: a trajectory belongs to one group
    for (std::size_t j = 0; j < rows.index.size(); ++j)
      for (std::size_t i = rows.index.offsets[j]; i < rows.index.offsets[j + 1]; ++i)
        if (batch.group[rows.index.order[i]] != batch.group[rows.index.order[rows.index.offsets[j]]])
          throw arena::Error("turn batch: group changes within trajectory " + std::to_string(rows.index.id[j]) + " (row " +
                      std::to_string(rows.index.order[i]) +
                      "); with unit 'trajectory' a trajectory belongs to one group");
  // Groups numbered as the CPU numbers them: over samples (trajectories in id order, or rows) in ascending group.
  const auto groups = estimators::densify({batch.group}, batch.size());
  GrpoOptions go;
  go.unit_trajectory = unit_trajectory;
  go.ddof = z.ddof;
  go.eps = z.eps;
  go.eps_mode = eps_mode_of(z.eps_mode);
  go.singleton = z.singleton == estimators::Singleton::kZero ? 1 : 0;
  return rows.scatter(grpo(rows.reward_d, rows.offsets_d, to_device(rows.ordered(groups), device),
                           static_cast<int>(groups.count()), go));
}

// Rae's own computation with its EMA scan on the device.
estimators::EstimatorOutput rae_on_device(estimators::Rae& est, const estimators::TurnBatch& batch,
                                          torch::Device device) {
  return est.compute_with(batch, [&](std::span<const std::int32_t> key, std::span<const double> x, double alpha,
                                     std::span<double> table, std::span<double> pre, std::span<double> post) {
    auto table_d = to_device(std::vector<double>(table.begin(), table.end()), device);
    auto [pre_d, post_d] = ema_scan(to_device(std::vector<double>(x.begin(), x.end()), device),
                                    to_device(std::vector<std::int32_t>(key.begin(), key.end()), device), table_d, alpha);
    for (auto [from, to] : {std::pair{&pre_d, pre}, std::pair{&post_d, post}, std::pair{&table_d, table}}) {
      const auto v = to_host(*from);
      std::copy(v.begin(), v.end(), to.begin());
    }
  });
}

}  // namespace

PaperResult mars_paper(const torch::Tensor& reward, const torch::Tensor& offsets, const torch::Tensor& pool,
                       int num_pools, const PaperOptions& options) {
  check_rows(reward, offsets, num_pools, "mars_paper");
  const c10::cuda::CUDAGuard guard(reward.device());
  auto r = reward.contiguous(), o = offsets.contiguous(), p = pool.contiguous();
  const std::int64_t n = r.numel(), S = o.numel() - 1;
  TORCH_CHECK(p.device() == r.device() && p.scalar_type() == torch::kInt32 && p.numel() == S,
              "mars_paper: pools must be an int32 tensor on the rewards' device with one id per trajectory");
  PaperResult out{torch::empty_like(r), torch::empty_like(r)};
  auto scratch = scratch_of(mars_paper_scratch(n, S, num_pools), r);
  mars_paper(r.data_ptr<double>(), o.data_ptr<std::int64_t>(), S, p.data_ptr<std::int32_t>(), n, num_pools, options,
             out.returns.data_ptr<double>(), out.advantage.data_ptr<double>(), scratch.data_ptr(), current_stream());
  return out;
}

PaperResult mars_code(const torch::Tensor& reward, const torch::Tensor& weight, const torch::Tensor& offsets,
                      const torch::Tensor& pool, int num_pools, const torch::Tensor& seat, int num_seats,
                      const CodeOptions& options) {
  check_rows(reward, offsets, std::min(num_pools, num_seats), "mars_code");
  const c10::cuda::CUDAGuard guard(reward.device());
  auto r = reward.contiguous(), o = offsets.contiguous(), p = pool.contiguous(), q = seat.contiguous();
  const std::int64_t n = r.numel(), S = o.numel() - 1;
  for (const auto* k : {&p, &q})
    TORCH_CHECK(k->device() == r.device() && k->scalar_type() == torch::kInt32 && k->numel() == S,
                "mars_code: pools and seats must be int32 tensors on the rewards' device with one id per trajectory");
  torch::Tensor w;
  if (weight.defined()) {
    w = weight.contiguous();
    TORCH_CHECK(w.device() == r.device() && w.scalar_type() == torch::kFloat64 && w.numel() == n,
                "mars_code: weight float64 [n] on the rewards' device");
  }
  PaperResult out{torch::empty_like(r), torch::empty_like(r)};
  auto scratch = scratch_of(mars_code_scratch(n, S, num_pools, num_seats), r);
  mars_code(r.data_ptr<double>(), w.defined() ? w.data_ptr<double>() : nullptr, o.data_ptr<std::int64_t>(), S,
            p.data_ptr<std::int32_t>(), q.data_ptr<std::int32_t>(), n, num_pools, num_seats, options,
            out.returns.data_ptr<double>(), out.advantage.data_ptr<double>(), scratch.data_ptr(), current_stream());
  return out;
}

PaperResult grpo(const torch::Tensor& reward, const torch::Tensor& offsets, const torch::Tensor& group, int num_groups,
                 const GrpoOptions& options) {
  check_rows(reward, offsets, num_groups, "grpo");
  const c10::cuda::CUDAGuard guard(reward.device());
  auto r = reward.contiguous(), o = offsets.contiguous(), g = group.contiguous();
  const std::int64_t n = r.numel(), S = o.numel() - 1;
  check_keys(g, r, "grpo");
  PaperResult out{torch::empty_like(r), torch::empty_like(r)};
  auto scratch = scratch_of(grpo_scratch(n, S, num_groups), r);
  grpo(r.data_ptr<double>(), o.data_ptr<std::int64_t>(), S, g.data_ptr<std::int32_t>(), n, num_groups, options,
       out.returns.data_ptr<double>(), out.advantage.data_ptr<double>(), scratch.data_ptr(), current_stream());
  return out;
}

std::pair<torch::Tensor, torch::Tensor> ema_scan(const torch::Tensor& x, const torch::Tensor& key,
                                                 torch::Tensor& table, double alpha) {
  TORCH_CHECK(x.is_cuda() && x.scalar_type() == torch::kFloat64, "ema_scan: x float64 on CUDA");
  TORCH_CHECK(table.device() == x.device() && table.scalar_type() == torch::kFloat64 && table.is_contiguous(),
              "ema_scan: table contiguous float64 on x's device");
  const c10::cuda::CUDAGuard guard(x.device());
  auto xc = x.contiguous(), kc = key.contiguous();
  const std::int64_t n = xc.numel();
  check_keys(kc, xc, "ema_scan");
  auto pre = torch::empty_like(xc), post = torch::empty_like(xc);
  const int K = static_cast<int>(table.numel());
  auto scratch = scratch_of(ema_scan_scratch(n, K), xc);
  segmented_ema_scan(xc.data_ptr<double>(), kc.data_ptr<std::int32_t>(), n, K, alpha, table.data_ptr<double>(),
                     pre.data_ptr<double>(), post.data_ptr<double>(), scratch.data_ptr(), current_stream());
  return {pre, post};
}

std::optional<estimators::EstimatorOutput> kernel_advantages(estimators::AdvantageEstimator& estimator,
                                                             const estimators::TurnBatch& batch, torch::Device device) {
  if (!device.is_cuda() || batch.size() == 0) return std::nullopt;
  const auto name = estimator.name();
  if (name == "mars") return mars_on_device(estimator, batch, device);
  if (name == "grpo") return grpo_on_device(estimator, batch, device);
  if (name == "rae")
    if (auto* rae = dynamic_cast<estimators::Rae*>(&estimator)) return rae_on_device(*rae, batch, device);
  return std::nullopt;
}

}  // namespace arena::kernels
