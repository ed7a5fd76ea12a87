// The per-trajectory reverse scan shared by the MARS pipelines: one thread per trajectory, a block's rows (its 256
// trajectories are consecutive, so their rows are one range) staged through shared memory with coalesced loads and
// stores when they fit (rows permuted within each 16 against bank conflicts: slot); otherwise the threads use global
// memory directly. Staged loads keep many reads in flight per thread (asynchronous copies into shared memory, or
// batches of loads before their stores): with one read in flight per thread the kernels were bound by DRAM latency,
// not bandwidth.
#pragma once

#include <cuda_pipeline.h>

#include "kernels/device_common.cuh"

namespace arena::kernels::detail {

constexpr int kStageRows = 4096;  // rows staged by a block of kThreads threads (GRPO's passes)
// Trajectories per block of the scan and the rows it can stage (on an H200, 128 and 2048 measured 1–3% slower at
// 10^7 turns).
constexpr int kScanThreads = 256;
constexpr int kScanRows = 4096;
// The shared-memory slot of a block's row i: i with its low 4 bits XORed by bits 4–7 of i ^ (i >> 1). A warp reading
// one row per thread at a fixed stride (a thread per trajectory: 8, 16, 32 rows apart) or 32 consecutive rows meets
// each 8-byte bank pair at most twice (the minimum for doubles), and no padding is needed: 32 KiB stage 4,096 rows, so
// that six blocks of paper mode's second pass fit an SM's shared memory (five with padding).
__device__ inline int slot(int i) { return i ^ (((i >> 4) ^ (i >> 5)) & 15); }
inline std::int64_t scan_blocks(std::int64_t trajectories) { return blocks_for(trajectories, kScanThreads); }

// stage[slot(i − row0)] = src[i] for the rows [row0, row1), kBlock threads: asynchronous copies straight into shared
// memory (no registers held, every copy of the thread in flight at once). With kWait false the copies are only
// issued (the caller waits with __pipeline_wait_prior(0)); the caller synchronizes the block afterwards.
template <int kBlock, bool kWait = true>
__device__ inline void stage_rows_async(double* stage, std::int64_t row0, std::int64_t row1, const double* src) {
  for (std::int64_t i = row0 + threadIdx.x; i < row1; i += kBlock)
    __pipeline_memcpy_async(stage + slot(static_cast<int>(i - row0)), src + i, sizeof(double));
  __pipeline_commit();
  if (kWait) __pipeline_wait_prior(0);
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
      if (i < row1) stage[slot(static_cast<int>(i - row0))] = v[j];
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
  // the pool (key_partials), at block_partial[block · num_pools + pool].
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

// One thread's trajectory, rows [lo, hi): the reverse scan of the inputs x_t (in(staged value) when the block's rows
// are staged, load(t) otherwise), the moments of its returns (shifted by its last return, so that equal returns give
// M2 = 0 exactly) and, with kRows, each row's return g: into the stage with the row's owner tag (for the block's
// coalesced stores) when staged, else put(t, g) straight away.
template <bool kRows, class In, class Load, class Put>
__device__ inline Acc scan_trajectory(double gamma, bool turn_level, In in, Load load, Put put, double* stage,
                                      unsigned char* owner, unsigned char tag, bool staged, std::int64_t row0,
                                      std::int64_t lo, std::int64_t hi) {
  double g = 0, shift = 0, s1 = 0, s2 = 0;
  auto step = [&](double x, bool last_row) {
    // Rounded operations, never contracted into a fused multiply-add: the CPU's arithmetic, and the same bits in
    // every kernel that inlines this scan.
    g = __dadd_rn(x, __dmul_rn(gamma, g));  // (g = 0 before the last row, as on the CPU)
    if (last_row) shift = g;
    const double d = g - shift;
    s1 += d;
    s2 = __fma_rn(d, d, s2);
  };
  const int l = static_cast<int>(lo - row0), h = static_cast<int>(hi - row0);  // (staged: rows within the block)
  if (staged) {
    // Batches of rows from the end, each read before its steps: the reads overlap instead of each step waiting.
    constexpr int kBatch = 4;
    for (int top = h; top > l; top -= kBatch) {
      double x[kBatch];
#pragma unroll
      for (int j = 0; j < kBatch; ++j) x[j] = top - 1 - j >= l ? stage[slot(top - 1 - j)] : 0.0;
#pragma unroll
      for (int j = 0; j < kBatch; ++j) {
        const int t = top - 1 - j;
        if (t < l) break;
        step(in(x[j]), t == h - 1);
        if (kRows && turn_level) stage[slot(t)] = g, owner[t] = tag;
      }
    }
  } else {
    for (std::int64_t t = hi - 1; t >= lo; --t) {
      step(load(t), t == hi - 1);
      if (kRows && turn_level) put(t, g);
    }
  }
  if (hi <= lo) return Acc{0, 0, 0, 0};
  const double len = static_cast<double>(hi - lo);
  if (!turn_level) {
    if (kRows && staged)
      for (int t = l; t < h; ++t) stage[slot(t)] = g, owner[t] = tag;
    else if (kRows)
      for (std::int64_t t = lo; t < hi; ++t) put(t, g);
    return Acc{len, len, g, 0.0};
  }
  return Acc{len, len, shift + s1 / len, fmax(0.0, s2 - s1 * s1 / len)};
}

// The moments per key (a pool, or a seat) of a block's trajectories (`own` of each thread, key own_key, −1 for none),
// written to out[key] for every key < num_keys. `scratch` (kScanThreads · 28 bytes) must be free for
// every thread of the block: nobody reads it any more. (The accumulators are kept as four arrays: one Acc per thread,
// 32 bytes apart, made the stores and reads 4-way bank conflicts.)
// Warp w reduces keys w, w + 8, ...: sums shifted by the mean of the key's first trajectory in the block (Σ w·d and
// Σ (M2 + w·d²) with d = mean − shift; lanes take every 32nd trajectory, then a fixed shuffle tree), turned into one
// accumulator at the end. A chain of Chan merges, a division each, took longer than the scan.
__device__ inline void key_partials(Acc* out, int num_keys, const Acc& own, int own_key, void* scratch) {
  double* count = static_cast<double*>(scratch);
  double* mean = count + kScanThreads;
  double* m2 = mean + kScanThreads;
  int* pool = reinterpret_cast<int*>(m2 + kScanThreads);
  count[threadIdx.x] = own.n;  // (= W: every turn weighs 1)
  mean[threadIdx.x] = own.mean;
  m2[threadIdx.x] = own.m2;
  pool[threadIdx.x] = own_key;
  __syncthreads();
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  for (int p = warp; p < num_keys; p += kScanThreads / 32) {
    int first = -1;
    for (int i = 0; i < kScanThreads / 32 && first < 0; ++i) {
      const unsigned hit = __ballot_sync(0xffffffffu, pool[32 * i + lane] == p);
      if (hit) first = 32 * i + __ffs(hit) - 1;
    }
    Acc m{0, 0, 0, 0};
    if (first >= 0) {  // (uniform over the warp)
      const double shift = mean[first];
      double n = 0, s1 = 0, s2 = 0;
      for (int j = lane; j < kScanThreads; j += 32) {
        if (pool[j] != p) continue;
        const double c = count[j], d = mean[j] - shift, wd = __dmul_rn(c, d);
        n += c;
        s1 += wd;
        s2 += __fma_rn(wd, d, m2[j]);
      }
      for (int off = 16; off > 0; off >>= 1) {
        n += __shfl_down_sync(0xffffffffu, n, off);
        s1 += __shfl_down_sync(0xffffffffu, s1, off);
        s2 += __shfl_down_sync(0xffffffffu, s2, off);
      }
      m = shifted_acc(n, n, shift, s1, s2);
    }
    if (lane == 0) out[p] = m;
  }
}

// The staged rows [row0, row1) of a pass with per-row outputs, stored coalesced: returns, and advantages with the
// z-score coefficients of each row's owner tag o (coef[2o], coef[2o + 1]). The caller synchronizes before.
__device__ inline void store_rows(const ScanArgs& a, const double* stage, const unsigned char* owner,
                                  const double* coef, std::int64_t row0, std::int64_t row1) {
  for (std::int64_t i = row0 + threadIdx.x; i < row1; i += kScanThreads) {
    const double g = stage[slot(static_cast<int>(i - row0))];
    if (a.returns) a.returns[i] = g;
    if (a.advantage) {
      const int o = owner[i - row0];
      a.advantage[i] = (g - coef[2 * o]) * coef[2 * o + 1];
    }
  }
}

// kRows: the pass writes per-row outputs (returns, advantage); otherwise per-trajectory summaries or block partials.
// A staged pass with both outputs stores them in one loop, each row's z-score coefficients found through its owner
// tag: with kSmall (≤ 8 pools, or no advantages) the row's pool and the z table in shared memory, otherwise the row's
// thread and that thread's coefficients (coef), read from the table in global memory. Six blocks per SM: what the
// shared memory of paper mode's passes allows, and the bound keeps the registers to it (40 a thread, no spills).
template <bool kRows, bool kSmall = false>
__global__ void __launch_bounds__(kScanThreads, 6) scan_kernel(ScanArgs a) {
  __shared__ double stage[kScanRows];
  __shared__ unsigned char owner[kRows ? kScanRows : 1];
  __shared__ double coef[kRows && !kSmall ? 2 * kScanThreads : 1];
  __shared__ double table[kRows && kSmall ? 16 : 1];
  const std::int64_t tile = block_index(a.reversed);
  const std::int64_t first = tile * kScanThreads;
  const std::int64_t last = min(a.trajectories, first + kScanThreads);  // exclusive
  const std::int64_t s = first + threadIdx.x;
  const bool mine = s < a.trajectories;
  // Every offset the block needs is read in one round trip, and the trajectory's pool is read while the rows are
  // staged: each dependent global read before the scan costs a DRAM latency with the block idle.
  // A dependent launch (launch_scan) reads only the call's inputs (rewards, offsets, pools) before wait_for_previous.
  const std::int64_t row0 = a.offsets[first], row1 = a.offsets[last];
  const std::int64_t lo = mine ? a.offsets[s] : 0, hi = mine ? a.offsets[s + 1] : 0;
  const bool wants_pool = kRows ? a.advantage != nullptr : a.block_partial != nullptr;
  int own_pool = -1;
  if (wants_pool && hi > lo) own_pool = a.trajectory_pool ? a.trajectory_pool[s] : a.pool[lo];
  const bool staged = row1 - row0 <= kScanRows;
  if (staged && !a.pool_moments) stage_rows_async<kScanThreads, false>(stage, row0, row1, a.reward);
  wait_for_previous();
  const double scale = a.scale ? *a.scale : 1.0;
  if (staged && a.pool_moments)
    stage_rows<kScanThreads>(stage, row0, row1, [&](std::int64_t i) { return scan_input(a, scale, i); });
  if (kRows && kSmall && a.advantage && threadIdx.x < 2 * a.num_pools) table[threadIdx.x] = a.ab[threadIdx.x];
  __pipeline_wait_prior(0);
  __syncthreads();
  double za = 0, zb = 0;
  if (kRows && own_pool >= 0) {
    za = kSmall ? table[2 * own_pool] : a.ab[2 * own_pool];
    zb = kSmall ? table[2 * own_pool + 1] : a.ab[2 * own_pool + 1];
  }
  const auto tag = static_cast<unsigned char>(kSmall ? max(own_pool, 0) : threadIdx.x);
  auto load = [&](std::int64_t t) { return scan_input(a, scale, t); };
  auto put = [&](std::int64_t t, double v) {
    if (a.returns) a.returns[t] = v;
    if (a.advantage) a.advantage[t] = (v - za) * zb;
  };
  const Acc own = scan_trajectory<kRows>(a.gamma, a.turn_level, [](double x) { return x; }, load, put, stage, owner,
                                         tag, staged, row0, lo, hi);
  if constexpr (!kRows) {
    if (mine && a.summary) a.summary[s] = own;
    if (a.block_partial) {
      __syncthreads();  // every thread has scanned: the stage is free
      key_partials(a.block_partial + tile * a.num_pools, a.num_pools, own, own_pool, stage);
    }
    allow_next();  // (a dependent launch after this pass starts once every block has written its results)
  } else {
    if (!staged) return;  // (uniform over the block)
    if (!kSmall) coef[2 * threadIdx.x] = za, coef[2 * threadIdx.x + 1] = zb;
    __syncthreads();
    store_rows(a, stage, owner, kSmall ? table : coef, row0, row1);
  }
}

// dependent: a dependent launch (launch_dependent), for a pass that follows a kernel of the same call.
inline void launch_scan(const ScanArgs& a, cudaStream_t s, bool dependent = false) {
  if (a.trajectories == 0) return;
  const bool rows = a.returns || a.advantage;
  if (rows && (a.summary || a.block_partial))
    throw std::logic_error("trajectory scan: per-row outputs and per-trajectory summaries are separate passes");
  if (a.block_partial && a.num_pools > 8)
    throw std::logic_error("trajectory scan: block partials need ≤ 8 pools");
  const unsigned blocks = blocks_for(a.trajectories, kScanThreads);
  const bool small = !a.advantage || (a.num_pools > 0 && a.num_pools <= 8);
  auto* kernel = !rows ? scan_kernel<false> : small ? scan_kernel<true, true> : scan_kernel<true>;
  if (dependent) {
    launch_dependent(kernel, blocks, kScanThreads, s, a);
    return;
  }
  kernel<<<blocks, kScanThreads, 0, s>>>(a);
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
