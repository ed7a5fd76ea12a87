// The per-trajectory reverse scan shared by the MARS pipelines: one thread per trajectory, a block's rows (its 256
// trajectories are consecutive, so their rows are one range) staged through shared memory with coalesced loads and
// stores when they fit (padded against bank conflicts); otherwise the threads use global memory directly. Staged loads
// keep many reads in flight per thread (asynchronous copies into shared memory, or batches of loads before their
// stores): with one read in flight per thread the kernels were bound by DRAM latency, not bandwidth.
#pragma once

#include <cuda_pipeline.h>

#include "kernels/device_common.cuh"

namespace arena::kernels::detail {

constexpr int kStageRows = 4096;  // rows staged by a block of kThreads threads (GRPO's passes)
// Trajectories per block of the scan and the rows it can stage (on an H200, 128 and 2048 measured 1–3% slower at
// 10^7 turns).
constexpr int kScanThreads = 256;
constexpr int kScanRows = 4096;
__device__ inline int padded(std::int64_t i) { return static_cast<int>(i + (i >> 5)); }
inline std::int64_t scan_blocks(std::int64_t trajectories) { return blocks_for(trajectories, kScanThreads); }

// stage[padded(i − row0)] = src[i] for the rows [row0, row1), kBlock threads: asynchronous copies straight into shared
// memory (no registers held, every copy of the thread in flight at once). The caller synchronizes the block afterwards.
template <int kBlock>
__device__ inline void stage_rows_async(double* stage, std::int64_t row0, std::int64_t row1, const double* src) {
  for (std::int64_t i = row0 + threadIdx.x; i < row1; i += kBlock)
    __pipeline_memcpy_async(stage + padded(i - row0), src + i, sizeof(double));
  __pipeline_commit();
  __pipeline_wait_prior(0);
}

// The same with a computed value load(i): a few loads in flight per thread before their shared-memory stores.
template <int kBlock, class F>
__device__ inline void stage_rows(double* stage, std::int64_t row0, std::int64_t row1, F load) {
  constexpr int kBatch = 4;
  for (std::int64_t base = row0 + threadIdx.x; base < row1; base += kBatch * kBlock) {
    double v[kBatch];
#pragma unroll
    for (int j = 0; j < kBatch; ++j) {
      const std::int64_t i = base + j * kBlock;
      v[j] = i < row1 ? load(i) : 0.0;
    }
#pragma unroll
    for (int j = 0; j < kBatch; ++j) {
      const std::int64_t i = base + j * kBlock;
      if (i < row1) stage[padded(i - row0)] = v[j];
    }
  }
}

// The block's trajectories: block b of the grid, or b counted from the end (a second pass over data that the first
// pass read front to back starts where the L2 cache still holds it).
__device__ inline std::int64_t block_index(bool reversed) {
  return reversed ? gridDim.x - 1 - blockIdx.x : blockIdx.x;
}

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
  // Per block and pool (≤ 8 pools, only without returns and advantage): the moments of the block's trajectories of
  // the pool (a fixed order: lanes over every 32nd trajectory, then a shuffle tree), at
  // block_partial[block · num_pools + pool].
  Acc* block_partial = nullptr;
  int num_pools = 0;
  // The pool of each trajectory (MARS paper mode), instead of its first row's entry in `pool`: one coalesced read per
  // trajectory where the per-row ids cost a strided read of a DRAM sector each.
  const std::int32_t* trajectory_pool = nullptr;
  bool reversed = false;    // blocks visit the trajectories from the end (block_index)
  // z-scores of the returns, (g − ab[2p])·ab[2p + 1] for the trajectory's pool p (MARS paper mode's second pass).
  double* advantage = nullptr;
  const double* ab = nullptr;
};

__device__ inline double scan_input(const ScanArgs& a, double scale, std::int64_t i) {
  const double r = a.reward[i];
  return a.pool_moments ? scale * (r - a.pool_moments[4 * a.pool[i] + 2]) : r;
}

// kRows: the pass writes per-row outputs (returns, advantage); otherwise per-trajectory summaries or block partials.
// A staged pass with both outputs stores them in one loop: each row's trajectory (its thread) is kept in `owner`,
// with that trajectory's z-score coefficients.
template <bool kRows>
__global__ void __launch_bounds__(kScanThreads) scan_kernel(ScanArgs a) {
  __shared__ double stage[kScanRows + kScanRows / 32];
  __shared__ unsigned char owner[kRows ? kScanRows : 1];
  __shared__ double coef[kRows ? 2 * kScanThreads : 1];
  __shared__ double table[kRows ? 16 : 1];
  const std::int64_t first = block_index(a.reversed) * kScanThreads;
  const std::int64_t last = min(a.trajectories, first + kScanThreads);  // exclusive
  const std::int64_t s = first + threadIdx.x;
  const bool mine = s < a.trajectories;
  // Every offset the block needs is read in one round trip, and the trajectory's pool is read while the rows are
  // staged: each dependent global read before the scan costs a DRAM latency with the block idle.
  const std::int64_t row0 = a.offsets[first], row1 = a.offsets[last];
  const std::int64_t lo = mine ? a.offsets[s] : 0, hi = mine ? a.offsets[s + 1] : 0;
  const bool small_table = kRows && a.advantage && a.num_pools > 0 && a.num_pools <= 8;  // z table in shared memory
  if (small_table && threadIdx.x < 2 * a.num_pools) table[threadIdx.x] = a.ab[threadIdx.x];
  const bool wants_pool = kRows ? a.advantage != nullptr : a.block_partial != nullptr;
  int own_pool = -1;
  if (wants_pool && hi > lo) own_pool = a.trajectory_pool ? a.trajectory_pool[s] : a.pool[lo];
  const bool staged = row1 - row0 <= kScanRows;
  const double scale = a.scale ? *a.scale : 1.0;
  if (staged) {
    if (a.pool_moments)
      stage_rows<kScanThreads>(stage, row0, row1, [&](std::int64_t i) { return scan_input(a, scale, i); });
    else
      stage_rows_async<kScanThreads>(stage, row0, row1, a.reward);
  }
  __syncthreads();
  Acc own{0, 0, 0, 0};
  double za = 0, zb = 0;
  if (kRows && own_pool >= 0) {
    za = small_table ? table[2 * own_pool] : a.ab[2 * own_pool];
    zb = small_table ? table[2 * own_pool + 1] : a.ab[2 * own_pool + 1];
  }
  // A row's value g: kept in the stage, or written out directly when the block's rows did not fit.
  auto put = [&](std::int64_t t, double g) {
    if constexpr (!kRows) return;  // summaries and partials only: nothing per row
    if (staged) {
      stage[padded(t - row0)] = g;
      if (kRows) owner[t - row0] = static_cast<unsigned char>(threadIdx.x);
    } else if (kRows) {
      if (a.returns) a.returns[t] = g;
      if (a.advantage) a.advantage[t] = (g - za) * zb;
    }
  };
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
      if (a.turn_level) put(t, g);
    }
    const double len = static_cast<double>(hi - lo);
    if (hi > lo) {
      if (a.turn_level) {
        own = Acc{len, len, shift + s1 / len, fmax(0.0, s2 - s1 * s1 / len)};
      } else {
        for (std::int64_t t = lo; t < hi; ++t) put(t, g);
        own = Acc{len, len, g, 0.0};
      }
    }
    if (!kRows && a.summary) a.summary[s] = own;
  }
  if constexpr (!kRows) {
    if (!a.block_partial) return;
    __syncthreads();  // every thread has scanned: the stage is free
    Acc* acc = reinterpret_cast<Acc*>(stage);
    int* pool = reinterpret_cast<int*>(acc + kScanThreads);
    acc[threadIdx.x] = own;
    pool[threadIdx.x] = own_pool;
    __syncthreads();
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    // Warp w reduces pools w, w + 8, ...: sums shifted by the mean of the pool's first trajectory in the block
    // (Σ w·d and Σ (M2 + w·d²) with d = mean − shift; lanes take every 32nd trajectory, then a fixed shuffle tree),
    // turned into one accumulator at the end. A chain of Chan merges, a division each, took longer than the scan.
    for (int p = warp; p < a.num_pools; p += kScanThreads / 32) {
      int first = -1;
      for (int i = 0; i < kScanThreads / 32 && first < 0; ++i) {
        const unsigned hit = __ballot_sync(0xffffffffu, pool[32 * i + lane] == p);
        if (hit) first = 32 * i + __ffs(hit) - 1;
      }
      Acc m{0, 0, 0, 0};
      if (first >= 0) {  // (uniform over the warp)
        const double shift = acc[first].mean;
        double n = 0, w = 0, s1 = 0, s2 = 0;
        for (int j = lane; j < kScanThreads; j += 32) {
          if (pool[j] != p) continue;
          const Acc& t = acc[j];
          const double d = t.mean - shift, wd = t.w * d;
          n += t.n;
          w += t.w;
          s1 += wd;
          s2 += t.m2 + wd * d;
        }
        for (int off = 16; off > 0; off >>= 1) {
          n += __shfl_down_sync(0xffffffffu, n, off);
          w += __shfl_down_sync(0xffffffffu, w, off);
          s1 += __shfl_down_sync(0xffffffffu, s1, off);
          s2 += __shfl_down_sync(0xffffffffu, s2, off);
        }
        m = shifted_acc(n, w, shift, s1, s2);
      }
      if (lane == 0) a.block_partial[block_index(a.reversed) * a.num_pools + p] = m;
    }
  } else {
    if (!staged) return;  // (uniform over the block)
    coef[2 * threadIdx.x] = za;
    coef[2 * threadIdx.x + 1] = zb;
    __syncthreads();
    for (std::int64_t i = row0 + threadIdx.x; i < row1; i += kScanThreads) {
      const double g = stage[padded(i - row0)];
      if (a.returns) a.returns[i] = g;
      if (a.advantage) {
        const int o = owner[i - row0];
        a.advantage[i] = (g - coef[2 * o]) * coef[2 * o + 1];
      }
    }
  }
}

inline void launch_scan(const ScanArgs& a, cudaStream_t s) {
  if (a.trajectories == 0) return;
  const bool rows = a.returns || a.advantage;
  if (rows && (a.summary || a.block_partial))
    throw std::logic_error("trajectory scan: per-row outputs and per-trajectory summaries are separate passes");
  if (a.block_partial && a.num_pools > 8)
    throw std::logic_error("trajectory scan: block partials need ≤ 8 pools");
  if (rows) scan_kernel<true><<<blocks_for(a.trajectories, kScanThreads), kScanThreads, 0, s>>>(a);
  else scan_kernel<false><<<blocks_for(a.trajectories, kScanThreads), kScanThreads, 0, s>>>(a);
  check(cudaGetLastError(), "trajectory scan");
}

// Keyed-reduce loader over trajectory summaries: the key is the trajectory's pool (none for an empty trajectory).
struct SummaryLoader {
  const Acc* summary;
  const std::int64_t* offsets;
  const std::int32_t* trajectory_pool;
  __device__ int key(std::int64_t s) const { return offsets[s + 1] > offsets[s] ? trajectory_pool[s] : -1; }
  __device__ void add(Acc& a, std::int64_t s) const { a = acc_merge(a, summary[s]); }
};

}  // namespace arena::kernels::detail
