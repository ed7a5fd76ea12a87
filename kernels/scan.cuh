// The per-trajectory reverse scan shared by the MARS pipelines: one thread per trajectory, a block's rows (its 256
// trajectories are consecutive, so their rows are one range) staged through shared memory with coalesced loads and
// stores when they fit (padded against bank conflicts); otherwise the threads use global memory directly.
#pragma once

#include "kernels/device_common.cuh"

namespace arena::kernels::detail {

constexpr int kStageRows = 4096;
__device__ inline int padded(std::int64_t i) { return static_cast<int>(i + (i >> 5)); }

struct ScanArgs {
  const double* reward = nullptr;
  const std::int64_t* offsets = nullptr;
  std::int64_t trajectories = 0;
  double gamma = 1.0;
  // Centring (MARS code mode): x_t = (*scale)·(r_t − mean of pool_t) with the pool's moments {count, W, mean, M2}.
  const std::int32_t* pool = nullptr;
  const double* pool_moments = nullptr;
  const double* scale = nullptr;
  bool turn_level = true;   // false: every row takes the trajectory's first-row return
  // Outputs, each optional.
  double* returns = nullptr;
  Acc* summary = nullptr;   // per trajectory {turns, turns, mean, M2} of its returns
  // z-scores of the returns, (g − ab[2p])·ab[2p + 1] for the trajectory's pool p (MARS paper mode's second pass).
  double* advantage = nullptr;
  const double* ab = nullptr;
};

__device__ inline double scan_input(const ScanArgs& a, double scale, std::int64_t i) {
  const double r = a.reward[i];
  return a.pool_moments ? scale * (r - a.pool_moments[4 * a.pool[i] + 2]) : r;
}

static __global__ void scan_kernel(ScanArgs a) {
  __shared__ double stage[kStageRows + kStageRows / 32];
  const std::int64_t first = blockIdx.x * static_cast<std::int64_t>(blockDim.x);
  const std::int64_t last = min(a.trajectories, first + blockDim.x);  // exclusive
  const std::int64_t row0 = a.offsets[first], row1 = a.offsets[last];
  const bool staged = row1 - row0 <= kStageRows;
  const double scale = a.scale ? *a.scale : 1.0;
  if (staged)
    for (std::int64_t i = row0 + threadIdx.x; i < row1; i += blockDim.x) stage[padded(i - row0)] = scan_input(a, scale, i);
  __syncthreads();
  const std::int64_t s = first + threadIdx.x;
  const bool mine = s < a.trajectories;
  const std::int64_t lo = mine ? a.offsets[s] : 0, hi = mine ? a.offsets[s + 1] : 0;
  double za = 0, zb = 0;
  if (a.advantage && hi > lo) {
    const int p = a.pool[lo];
    za = a.ab[2 * p];
    zb = a.ab[2 * p + 1];
  }
  auto z = [&](double g) { return (g - za) * zb; };
  if (mine) {
    // Moments of the trajectory's returns shifted by its last return, so that equal returns give M2 = 0 exactly.
    double g = 0, shift = 0, s1 = 0, s2 = 0;
    for (std::int64_t t = hi - 1; t >= lo; --t) {
      const double x = staged ? stage[padded(t - row0)] : scan_input(a, scale, t);
      g = x + (t == hi - 1 ? 0.0 : a.gamma * g);
      if (t == hi - 1) shift = g;
      const double d = g - shift;
      s1 += d;
      s2 += d * d;
      if (staged) {
        stage[padded(t - row0)] = g;
      } else {
        if (a.returns) a.returns[t] = g;
        if (a.advantage) a.advantage[t] = z(g);
      }
    }
    const double len = static_cast<double>(hi - lo);
    Acc own{0, 0, 0, 0};
    if (hi > lo) {
      if (a.turn_level) {
        own = Acc{len, len, shift + s1 / len, fmax(0.0, s2 - s1 * s1 / len)};
      } else {
        for (std::int64_t t = lo; t < hi; ++t) {
          if (staged) {
            stage[padded(t - row0)] = g;
          } else {
            if (a.returns) a.returns[t] = g;
            if (a.advantage) a.advantage[t] = z(g);
          }
        }
        own = Acc{len, len, g, 0.0};
      }
    }
    if (a.summary) a.summary[s] = own;
  }
  if (!staged || (!a.returns && !a.advantage)) return;  // (uniform over the block)
  __syncthreads();
  if (a.returns)
    for (std::int64_t i = row0 + threadIdx.x; i < row1; i += blockDim.x) a.returns[i] = stage[padded(i - row0)];
  if (!a.advantage) return;
  __syncthreads();
  for (std::int64_t t = lo; t < hi; ++t) stage[padded(t - row0)] = z(stage[padded(t - row0)]);
  __syncthreads();
  for (std::int64_t i = row0 + threadIdx.x; i < row1; i += blockDim.x) a.advantage[i] = stage[padded(i - row0)];
}

inline void launch_scan(const ScanArgs& a, cudaStream_t s) {
  if (a.trajectories == 0) return;
  scan_kernel<<<blocks_for(a.trajectories), kThreads, 0, s>>>(a);
  check(cudaGetLastError(), "trajectory scan");
}

// Keyed-reduce loader over trajectory summaries: the key is the pool of the trajectory's first row.
struct SummaryLoader {
  const Acc* summary;
  const std::int64_t* offsets;
  const std::int32_t* pool;
  __device__ int key(std::int64_t s) const { return offsets[s + 1] > offsets[s] ? pool[offsets[s]] : -1; }
  __device__ void add(Acc& a, std::int64_t s) const { a = acc_merge(a, summary[s]); }
};

}  // namespace arena::kernels::detail
