// CUDA implementations of kernels/kernels.h: scans, keyed moments, z-scores, whitening and the MARS paper-mode
// pipeline. No torch headers here.
#include <algorithm>
#include <cmath>
#include <mutex>

#include "kernels/device_common.cuh"
#include "kernels/kernels.h"
#include "kernels/keyed_reduce.cuh"
#include "kernels/scan.cuh"

namespace arena::kernels {
namespace {

using namespace detail;

__global__ void reverse_scan_kernel(const double* x, const std::int64_t* offsets, std::int64_t segments, double gamma,
                                    double* y) {
  const std::int64_t s = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (s >= segments) return;
  const std::int64_t lo = offsets[s], hi = offsets[s + 1];
  double acc = 0;
  for (std::int64_t t = hi - 1; t >= lo; --t) {
    acc = x[t] + (t == hi - 1 ? 0.0 : gamma * acc);
    y[t] = acc;
  }
}

__global__ void gae_kernel(const double* reward, const double* value, const std::int64_t* offsets,
                           std::int64_t segments, double gamma, double lambda, double* adv, double* ret) {
  const std::int64_t s = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (s >= segments) return;
  const std::int64_t lo = offsets[s], hi = offsets[s + 1];
  double a = 0, next_value = 0;
  for (std::int64_t t = hi - 1; t >= lo; --t) {
    const double v = value[t];
    const double delta = reward[t] + gamma * next_value - v;
    a = delta + gamma * lambda * a;
    adv[t] = a;
    ret[t] = a + v;
    next_value = v;
  }
}

// z = (x − ab[2k])·ab[2k + 1] for the element's key k (a key's table from zscore_table_kernel or whiten_table_kernel).
__global__ void affine_kernel(const double* x, const std::int32_t* key, std::int64_t n, const double* ab, double* z) {
  const std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const int k = key ? key[i] : 0;
  z[i] = (x[i] - ab[2 * k]) * ab[2 * k + 1];
}

}  // namespace

bool detail::dependent_launch_supported() {
  static std::mutex mutex;
  static signed char known[64] = {};  // 0 unknown, 1 no, 2 yes
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess || dev < 0 || dev >= 64) return false;
  const std::lock_guard<std::mutex> lock(mutex);
  if (!known[dev]) {
    int major = 0;
    known[dev] = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev) == cudaSuccess && major >= 9
                     ? 2
                     : 1;
  }
  return known[dev] == 2;
}

bool cuda_available() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

void reverse_segmented_scan(const double* x, const std::int64_t* offsets, std::int64_t segments, double gamma,
                            double* y, void* stream) {
  if (segments == 0) return;
  reverse_scan_kernel<<<blocks_for(segments), kThreads, 0, as_stream(stream)>>>(x, offsets, segments, gamma, y);
  check(cudaGetLastError(), "reverse_segmented_scan");
}

void segmented_gae(const double* reward, const double* value, const std::int64_t* offsets, std::int64_t segments,
                   double gamma, double lambda, double* advantage, double* returns, void* stream) {
  if (segments == 0) return;
  gae_kernel<<<blocks_for(segments), kThreads, 0, as_stream(stream)>>>(reward, value, offsets, segments, gamma, lambda,
                                                                       advantage, returns);
  check(cudaGetLastError(), "segmented_gae");
}

std::size_t keyed_moments_scratch(std::int64_t n, int num_keys) { return keyed_reduce_scratch(n, num_keys); }

void keyed_moments(const double* x, const double* w, const std::int32_t* key, std::int64_t n, int num_keys,
                   double* out, void* scratch, void* stream) {
  keyed_reduce(ElementLoader{x, w, key}, n, num_keys, out, scratch, as_stream(stream));
}

std::size_t keyed_zscore_scratch(int num_keys) { return aligned(sizeof(double) * 2 * std::max(num_keys, 1)); }

void keyed_zscore(const double* x, const std::int32_t* key, std::int64_t n, const double* moments, int num_keys,
                  int ddof, double eps, int eps_mode, int singleton, double* z, void* scratch, void* stream) {
  if (n == 0 || num_keys <= 0) return;
  auto s = as_stream(stream);
  auto* ab = static_cast<double*>(scratch);
  zscore_table_kernel<<<blocks_for(num_keys), kThreads, 0, s>>>(moments, num_keys, ddof, eps, eps_mode, singleton, ab);
  affine_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, key, n, ab, z);
  check(cudaGetLastError(), "keyed_zscore");
}

std::size_t whitening_scratch(std::int64_t n) {
  return aligned(4 * sizeof(double)) + aligned(2 * sizeof(double)) + keyed_reduce_scratch(n, 1);
}

void whitening(const double* x, const double* w, std::int64_t n, int ddof, double eps, int eps_mode, double* z,
               void* scratch, void* stream) {
  if (n == 0) return;
  auto s = as_stream(stream);
  Carver c{static_cast<char*>(scratch)};
  double* m = c.take<double>(4);
  double* ab = c.take<double>(2);
  keyed_reduce(ElementLoader{x, w, nullptr}, n, 1, m, c.take<char>(keyed_reduce_scratch(n, 1)), s);
  whiten_table_kernel<<<1, 1, 0, s>>>(m, ddof, eps, eps_mode, ab);
  affine_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, nullptr, n, ab, z);
  check(cudaGetLastError(), "whitening");
}

std::size_t mars_paper_scratch(std::int64_t n, std::int64_t trajectories, int num_pools) {
  Carver c{nullptr};
  c.take<double>(4 * std::max(num_pools, 1));
  c.take<double>(2 * std::max(num_pools, 1));
  if (num_pools <= kMaxKeys) {
    c.take<Acc>(static_cast<std::size_t>(scan_blocks(trajectories)) * std::max(num_pools, 1));
  } else {
    c.take<Acc>(trajectories);
    c.take<char>(keyed_reduce_scratch(trajectories, num_pools));
  }
  return c.used;
}

void mars_paper(const double* reward, const std::int64_t* offsets, std::int64_t trajectories, const std::int32_t* pool,
                std::int64_t n, int num_pools, const PaperOptions& o, double* returns, double* advantage,
                void* scratch, void* stream) {
  if (n == 0 || num_pools <= 0) return;
  auto s = as_stream(stream);
  Carver c{static_cast<char*>(scratch)};
  double* moments = c.take<double>(4 * std::max(num_pools, 1));
  double* ab = c.take<double>(2 * std::max(num_pools, 1));
  // Pass 1 reads the rewards and reduces the returns' moments per pool; pass 2 scans again and writes the returns and
  // their z-scores (recomputing the scan costs less memory traffic than storing the returns and reading them back).
  ScanArgs a;
  a.reward = reward;
  a.offsets = offsets;
  a.trajectories = trajectories;
  a.gamma = o.gamma;
  a.turn_level = o.turn_level;
  a.trajectory_pool = pool;
  const ZscoreRule rule{o.ddof, o.eps, o.eps_mode, o.singleton};
  if (num_pools <= kMaxKeys) {
    // Each block merges its trajectories per pool; one block per pool merges the blocks' partials (merge_shifted) and
    // writes the pool's z-score table entry. (Blocks cover a fixed number of trajectories, so the merge order and the
    // result do not depend on the device.)
    const std::int64_t blocks = scan_blocks(trajectories);
    a.block_partial = c.take<Acc>(static_cast<std::size_t>(blocks) * num_pools);
    a.num_pools = num_pools;
    launch_scan(a, s);
    launch_dependent(combine_chunks_kernel<>, num_pools, kCombineThreads, s, a.block_partial, blocks, num_pools,
                     moments, ab, rule);
    a.block_partial = nullptr;
  } else {
    a.summary = c.take<Acc>(trajectories);
    void* rest = c.take<char>(keyed_reduce_scratch(trajectories, num_pools));
    launch_scan(a, s);
    keyed_reduce(SummaryLoader{a.summary, offsets, pool}, trajectories, num_pools, moments, rest, s);
    zscore_table_kernel<<<blocks_for(num_pools), kThreads, 0, s>>>(moments, num_pools, rule.ddof, rule.eps,
                                                                   rule.eps_mode, rule.singleton, ab);
    a.summary = nullptr;
  }
  check(cudaGetLastError(), "mars_paper");
  a.returns = returns;
  a.advantage = advantage;
  a.ab = ab;
  a.reversed = true;
  // Dependent launches: the merge starts as pass 1's last blocks finish, and pass 2's blocks read offsets and stage
  // rewards while the z-score table is finished (on an H200 at 10^7 turns, 2 µs less a call).
  launch_scan(a, s, true);
}

double peak_bandwidth() {
  int dev = 0, clock_khz = 0, bus_bits = 0;
  if (cudaGetDevice(&dev) != cudaSuccess) return 0;
  if (cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, dev) != cudaSuccess) return 0;
  if (cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, dev) != cudaSuccess) return 0;
  return 2.0 * clock_khz * 1e3 * (bus_bits / 8.0);  // double data rate
}

}  // namespace arena::kernels
