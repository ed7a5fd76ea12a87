// CUDA implementation of mars_code (kernels/kernels.h), MARS code mode. No torch headers here.
//
// Without token weights and with at most 8 pools and 8 seats (the trainer's (game, role) pools), four passes over the
// rows and no per-row array written but the outputs:
//   A. per block of 256 trajectories, the moments of its rewards per pool (and each trajectory's pool and seat, read
//      once from its first row, into one tag); the blocks' partials merged per pool;
//   B. the scan of the centred, rescaled rewards, writing the returns: each return also goes into its seat's hash
//      table (kernels/distinct.cuh), and the block's returns are reduced per seat;
//   C. the distinct values' moments from the tables (distinct_finish);
//   D. the advantages from the returns: the whitening's moments follow from the seats' moments of the returns (each
//      seat's centred returns are its returns shifted by one constant, or all 0), so pass D is one read of the returns
//      and one write of the advantages.
// Otherwise the general path: keyed moments per pool, the scan writing the returns, distinct_value_mean over them,
// and the whitening's moments and affine pass over the centred returns.
#include <algorithm>
#include <climits>
#include <cmath>

#include "kernels/device_common.cuh"
#include "kernels/distinct.cuh"
#include "kernels/kernels.h"
#include "kernels/keyed_reduce.cuh"
#include "kernels/scan.cuh"

namespace arena::kernels {
namespace {

using namespace detail;

// ---- the general path ----------------------------------------------------------------------------------------

// Per chunk: tokens = Σ w over all rows, sumsq = Σ over rows with w > 0 of (r − pool mean)².
__global__ void centred_sums_kernel(const double* reward, const double* weight, const std::int32_t* pool,
                                    const double* pool_moments, std::int64_t n, std::int64_t chunk, double* partial) {
  const std::int64_t lo = blockIdx.x * chunk, hi = min(n, lo + chunk);
  double t = 0, q = 0;
  for (std::int64_t i = lo + threadIdx.x; i < hi; i += blockDim.x) {
    const double w = weight ? weight[i] : 1.0;
    t += w;
    if (w > 0) {
      const double c = reward[i] - pool_moments[4 * pool[i] + 2];
      q += c * c;
    }
  }
  __shared__ double st[kThreads], sq[kThreads];
  st[threadIdx.x] = t;
  sq[threadIdx.x] = q;
  __syncthreads();
  for (int off = kThreads / 2; off > 0; off >>= 1) {
    if (threadIdx.x < off) {
      st[threadIdx.x] += st[threadIdx.x + off];
      sq[threadIdx.x] += sq[threadIdx.x + off];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    partial[2 * blockIdx.x] = st[0];
    partial[2 * blockIdx.x + 1] = sq[0];
  }
}

// One block: sums the chunks' partials in a fixed tree and writes the reward scale s.
__global__ void reward_scale_kernel(const double* partial, std::int64_t chunks, bool whiten, double eps,
                                    double* scale) {
  __shared__ double st[kThreads], sq[kThreads];
  double t = 0, q = 0;
  for (std::int64_t c = threadIdx.x; c < chunks; c += blockDim.x) {
    t += partial[2 * c];
    q += partial[2 * c + 1];
  }
  st[threadIdx.x] = t;
  sq[threadIdx.x] = q;
  __syncthreads();
  for (int off = kThreads / 2; off > 0; off >>= 1) {
    if (threadIdx.x < off) {
      st[threadIdx.x] += st[threadIdx.x + off];
      sq[threadIdx.x] += sq[threadIdx.x + off];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) *scale = whiten && st[0] > 1 ? 1.0 / sqrt(sq[0] / (st[0] - 1.0) + eps) : 1.0;
}

// The reward scale when every row has weight 1: tokens = n and Σ (r − pool mean)² = Σ over pools of M2, so the
// pool moments give it without another pass over the rewards. One thread.
__global__ void reward_scale_moments_kernel(const double* pool_moments, int num_pools, double tokens, bool whiten,
                                            double eps, double* scale) {
  double q = 0;
  for (int k = 0; k < num_pools; ++k) q += pool_moments[4 * k + 3];
  *scale = whiten && tokens > 1 ? 1.0 / sqrt(q / (tokens - 1.0) + eps) : 1.0;
}

// A row's return less the mean of its seat's distinct returns (0 when the seat has one distinct value or their
// spread is 0), computed where it is read instead of stored: the whitening's moments and its affine pass both read
// the returns and seats.
struct CentredLoader {
  const double* returns;
  const std::int32_t* seat;
  const double* distinct;  // 3 per seat: {count, mean, sample std} of the distinct values
  const double* w;
  __device__ double value(std::int64_t i) const {
    const double r = returns[i];  // read before the seat's entry decides whether it is used: both loads in flight
    const double* u = distinct + 3 * seat[i];
    return u[0] == 1 || u[2] == 0 ? 0.0 : r - u[1];
  }
  __device__ bool element(std::int64_t i, int& k, double& v, double& wi) const {
    wi = w ? w[i] : 1.0;
    k = 0;
    v = value(i);
    return wi > 0;
  }
};

// out = (centred − ab[0])·ab[1], kBatch rows per thread with all their loads before their stores.
constexpr int kAffineBatch = 4;
__global__ void centred_affine_kernel(CentredLoader c, std::int64_t n, const double* ab, double* out) {
  const std::int64_t base = blockIdx.x * static_cast<std::int64_t>(kThreads) * kAffineBatch + threadIdx.x;
  double v[kAffineBatch];
#pragma unroll
  for (int j = 0; j < kAffineBatch; ++j) {
    const std::int64_t i = base + j * kThreads;
    v[j] = i < n ? c.value(i) : 0.0;
  }
  const double a = ab[0], b = ab[1];
#pragma unroll
  for (int j = 0; j < kAffineBatch; ++j) {
    const std::int64_t i = base + j * kThreads;
    if (i < n) out[i] = (v[j] - a) * b;
  }
}

// ---- the fused path ---------------------------------------------------------------------------------------------

struct CodeArgs {
  const double* reward = nullptr;
  const std::int64_t* offsets = nullptr;
  std::int64_t trajectories = 0;
  double gamma = 1.0;
  bool turn_level = true;
  const std::int32_t *pool = nullptr, *seat = nullptr;  // per trajectory
  int num_pools = 0, num_seats = 0;
  Acc* pool_partial = nullptr;  // [block · num_pools + pool] (pass A)
  const double* pool_moments = nullptr;  // {count, W, mean, M2} per pool
  bool whiten = true;
  double eps = 1e-8;
  double tokens = 0;             // the reward scale's N (every row weighs 1)
  Acc* seat_partial = nullptr;   // [block · num_seats + seat] (pass B)
  DistinctHash hash;             // pass B inserts the returns and one 0 per seat
  const double* table = nullptr;  // the centring and whitening of the returns (pass D; code_table_kernel)
  double* returns = nullptr;
  double* advantage = nullptr;  // (pass D)
};

// The block's trajectories and rows, and the thread's trajectory with its pool and seat (−1 when it has no rows).
// Everything here is an input of the call, so a dependent launch reads it before waiting.
struct CodeTile {
  std::int64_t tile, s, row0, row1, lo, hi;
  int pool = -1, seat = -1;
  bool staged;
  __device__ CodeTile(const CodeArgs& c, bool reversed) {
    tile = block_index(reversed);
    const std::int64_t first = tile * kScanThreads;
    const std::int64_t last = min(c.trajectories, first + kScanThreads);
    s = first + threadIdx.x;
    const bool mine = s < c.trajectories;
    row0 = c.offsets[first];
    row1 = c.offsets[last];
    lo = mine ? c.offsets[s] : 0;
    hi = mine ? c.offsets[s + 1] : 0;
    if (mine) pool = c.pool[s], seat = c.seat[s];
    if (hi <= lo) pool = seat = -1;
    staged = row1 - row0 <= kScanRows;
  }
};

// Pass A: per block, the moments of its trajectories' rewards per pool (each trajectory's rewards summed shifted by
// its last one, then key_partials).
__global__ void __launch_bounds__(kScanThreads, 6) code_pool_kernel(CodeArgs c) {
  __shared__ double stage[kScanRows];
  const CodeTile b(c, false);
  if (b.staged) stage_rows_async<kScanThreads>(stage, b.row0, b.row1, c.reward);
  __syncthreads();
  double shift = 0, s1 = 0, s2 = 0;
  for (std::int64_t t = b.hi - 1; t >= b.lo; --t) {
    const double x = b.staged ? stage[slot(static_cast<int>(t - b.row0))] : c.reward[t];
    if (t == b.hi - 1) shift = x;
    const double d = x - shift;
    s1 += d;
    s2 = __fma_rn(d, d, s2);
  }
  const double len = static_cast<double>(b.hi - b.lo);
  const Acc own = b.hi > b.lo ? Acc{len, len, shift + s1 / len, fmax(0.0, s2 - s1 * s1 / len)} : Acc{0, 0, 0, 0};
  __syncthreads();  // the stage is free
  key_partials(c.pool_partial + b.tile * c.num_pools, c.num_pools, own, b.pool, stage);
  allow_next();
}

// The whitening of G' over all rows, for pass D (one thread): seat q contributes its moments of G shifted by
// mean(U_q), or zeros (G' = 0 for the whole seat). table[2q] = 1 when seat q uses G − mean(U_q), table[2q + 1] =
// mean(U_q), and table[2 · kMaxKeys + {0, 1}] = the whitening's μ and scale. The seats' entries are read from L2: other
// blocks may have written them.
constexpr int kCodeTable = 2 * kMaxKeys + 2;
__device__ inline void code_table(const double* seat_moments, const double* distinct, int num_seats, double eps,
                                  double* table) {
  Acc total{0, 0, 0, 0};
  for (int q = 0; q < num_seats; ++q) {
    const double m[4] = {__ldcg(seat_moments + 4 * q), __ldcg(seat_moments + 4 * q + 1),
                         __ldcg(seat_moments + 4 * q + 2), __ldcg(seat_moments + 4 * q + 3)};
    const double u[3] = {__ldcg(distinct + 3 * q), __ldcg(distinct + 3 * q + 1), __ldcg(distinct + 3 * q + 2)};
    const bool use = !(u[0] == 1 || u[2] == 0);
    table[2 * q] = use ? 1.0 : 0.0;
    table[2 * q + 1] = u[1];
    total = acc_merge(total, Acc{m[0], m[1], use ? m[2] - u[1] : 0.0, use ? m[3] : 0.0});
  }
  const bool degenerate = total.w - 1 <= 0 || total.m2 == 0;
  table[2 * kMaxKeys] = degenerate ? 0.0 : total.mean;
  table[2 * kMaxKeys + 1] = degenerate ? 0.0 : inverse_scale(total.m2 / (total.w - 1), eps, 1);
}

__global__ void code_table_kernel(const double* seat_moments, const double* distinct, int num_seats, double eps,
                                  double* table) {
  allow_next();
  code_table(seat_moments, distinct, num_seats, eps, table);
}

// After the runs of the tables (tolerance 0), a dependent launch of one block per seat q: the seat's distinct-value
// entry from its runs' partials, and the seat's moments of the returns from pass B's partials; the last block to
// finish writes the table (code_table) and then whether the tables were given up into the host's verdict
// (HostVerdict), so that pass D follows without the host in between.
__global__ void __launch_bounds__(kCombineThreads)
    code_finish_kernel(const Acc* run_partial, std::int64_t runs_per_seat, const Acc* seat_partial,
                       std::int64_t blocks, int num_seats, double eps, double* seat_moments, double* distinct,
                       double* table, int* done, const int* overflow, unsigned* verdict, unsigned ticket) {
  wait_for_previous();
  allow_next();
  const int q = blockIdx.x;
  const Acc u = merge_shifted<kCombineThreads>(run_partial + q * runs_per_seat, runs_per_seat, 1);
  const Acc m = merge_shifted<kCombineThreads>(seat_partial + q, blocks, num_seats);
  if (threadIdx.x == 0) {
    distinct_entry(u.n, u.w, u.mean, u.m2, distinct + 3 * q);
    double* out = seat_moments + 4 * q;
    out[0] = m.n;
    out[1] = m.w;
    out[2] = m.mean;
    out[3] = m.m2;
    __threadfence();
    if (atomicAdd(done, 1) == num_seats - 1) {
      __threadfence();
      code_table(seat_moments, distinct, num_seats, eps, table);
      *static_cast<volatile unsigned*>(verdict) = 2 * ticket + (*static_cast<volatile const int*>(overflow) ? 1 : 0);
    }
  }
}

// One value into the tables (pass B's rows that are not staged, and the 0 of each seat).
__device__ inline void insert_one(const DistinctHash& t, double x, int key) {
  const double v[1] = {x};
  const int k[1] = {key};
  if (!distinct_insert(t, v, k)) *t.overflow = 1;
}

// Pass B's insertion of its staged returns, 2 per thread in flight (4 spilled registers),
// through a direct-mapped cache of the values the block has inserted (kCacheSlots in shared memory, split evenly
// among the seats): a value found there is in its table already, or being put there by another thread of the block,
// so of a block's equal returns only the first reads the table. (At 10^7 returns these reads of random slots bound the
// pass: the L2 cache serves them at a limited rate of requests, and a cache this small spares few of them. A
// block-local table in shared memory that took every return first, 2,048 slots with linear probing, made the pass
// 2.5 times slower on an H100.) Every thread of the block calls it.
constexpr int kCacheLog = 9, kCacheSlots = 1 << kCacheLog;
__device__ inline void insert_staged(const CodeArgs& c, const CodeTile& b, const double* stage,
                                     const unsigned char* owner, unsigned long long* cache) {
  int seat_log = 0;
  while ((1 << seat_log) < c.num_seats) ++seat_log;
  const int region_log = kCacheLog - seat_log;
  for (int i = threadIdx.x; i < kCacheSlots; i += kScanThreads) cache[i] = kEmptySlot;
  __syncthreads();
  constexpr int kBatch = 2;
  bool ok = true;
  for (std::int64_t base = b.row0 + threadIdx.x; ok && base < b.row1; base += kBatch * kScanThreads) {
    unsigned long long bits[kBatch], hash[kBatch];
    int k[kBatch];
#pragma unroll
    for (int j = 0; j < kBatch; ++j) {
      const std::int64_t i = base + j * kScanThreads;
      k[j] = -1;
      if (i >= b.row1) continue;
      const int r = static_cast<int>(i - b.row0);
      k[j] = owner[r];
      if (!distinct_key(c.hash, stage[slot(r)], k[j], bits[j], hash[j])) {
        ok = false;
        k[j] = -1;
        continue;
      }
      unsigned long long& cached = cache[(k[j] << region_log) + static_cast<int>(hash[j] >> (64 - region_log))];
      if (cached == bits[j]) k[j] = -1;
      else cached = bits[j];
    }
    ok = ok && distinct_insert(c.hash, bits, hash, k);
  }
  if (!ok) *c.hash.overflow = 1;
}

// Pass B: the scan of s·(r − pool mean) per trajectory, s the reward scale from the pool moments (as
// reward_scale_moments_kernel computes it), writing the returns (the staged ones from the stage, coalesced), reducing
// the block's returns per seat and putting every return into its seat's table (the staged ones after the scan:
// insert_staged). Four blocks per SM (64 registers: under five its insertion spilled).
__global__ void __launch_bounds__(kScanThreads, 4) code_returns_kernel(CodeArgs c) {
  __shared__ double stage[kScanRows];
  __shared__ unsigned char owner[kScanRows];
  __shared__ double mean_of[kMaxKeys], scale;
  __shared__ double scratch[kScanThreads * 28 / sizeof(double)];  // key_partials' scratch, then insert_staged's cache
  static_assert(sizeof(scratch) >= kCacheSlots * sizeof(unsigned long long));
  const CodeTile b(c, true);  // (from the end: the rows pass A read last may still be in the L2 cache)
  if (b.staged) stage_rows_async<kScanThreads, false>(stage, b.row0, b.row1, c.reward);
  wait_for_previous();
  if (threadIdx.x < c.num_pools) mean_of[threadIdx.x] = c.pool_moments[4 * threadIdx.x + 2];
  if (threadIdx.x == 0) {
    double q = 0;
    for (int k = 0; k < c.num_pools; ++k) q += c.pool_moments[4 * k + 3];
    scale = c.whiten && c.tokens > 1 ? 1.0 / sqrt(q / (c.tokens - 1.0) + c.eps) : 1.0;
  }
  __pipeline_wait_prior(0);
  __syncthreads();
  const double mean = b.pool >= 0 ? mean_of[b.pool] : 0.0, s = scale;
  const int seat = b.seat;
  auto in = [&](double r) { return __dmul_rn(s, __dsub_rn(r, mean)); };
  auto load = [&](std::int64_t t) { return in(c.reward[t]); };
  auto put = [&](std::int64_t t, double g) {
    c.returns[t] = g;
    insert_one(c.hash, g, seat);
  };
  const auto owner_tag = static_cast<unsigned char>(max(seat, 0));
  const Acc own = scan_trajectory<true>(c.gamma, c.turn_level, in, load, put, stage, owner, owner_tag, b.staged,
                                        b.row0, b.lo, b.hi);
  // The block's moments per seat first, so that `own` is not kept through the insertion.
  key_partials(c.seat_partial + b.tile * c.num_seats, c.num_seats, own, seat, scratch);
  if (b.staged)
    for (std::int64_t i = b.row0 + threadIdx.x; i < b.row1; i += kScanThreads)
      c.returns[i] = stage[slot(static_cast<int>(i - b.row0))];
  if (!distinct_given_up(c.hash)) {  // (synchronizes the block: key_partials is done with its scratch)
    if (b.staged) insert_staged(c, b, stage, owner, reinterpret_cast<unsigned long long*>(scratch));
    if (blockIdx.x == 0 && threadIdx.x < c.num_seats) insert_one(c.hash, 0.0, threadIdx.x);  // every U has 0
  }
  allow_next();
}

// Pass D: the advantages from the returns, (G' − μ)·scale with G' = G − mean(U) or 0 by seat (code_table_kernel).
// Each row's seat comes from its trajectory (into shared memory when the block's rows fit, before the wait: inputs
// only); 32 registers, eight blocks per SM.
__global__ void __launch_bounds__(kScanThreads, 8) code_advantage_kernel(CodeArgs c) {
  __shared__ unsigned char owner[kScanRows];
  __shared__ double centre[kCodeTable];
  const CodeTile b(c, false);
  if (b.staged)
    for (std::int64_t t = b.lo; t < b.hi; ++t) owner[t - b.row0] = static_cast<unsigned char>(b.seat);
  wait_for_previous();
  if (threadIdx.x < kCodeTable) centre[threadIdx.x] = c.table[threadIdx.x];
  __syncthreads();
  const double mu = centre[2 * kMaxKeys], inv = centre[2 * kMaxKeys + 1];
  auto advantage = [&](double g, int q) { return ((centre[2 * q] != 0 ? g - centre[2 * q + 1] : 0.0) - mu) * inv; };
  if (b.staged) {
    constexpr int kBatch = 4;  // (the loads of a batch in flight together)
    for (std::int64_t base = b.row0 + threadIdx.x; base < b.row1; base += kBatch * kScanThreads) {
      double g[kBatch];
#pragma unroll
      for (int j = 0; j < kBatch; ++j) {
        const std::int64_t i = base + j * kScanThreads;
        g[j] = i < b.row1 ? __ldcs(c.returns + i) : 0.0;
      }
#pragma unroll
      for (int j = 0; j < kBatch; ++j) {
        const std::int64_t i = base + j * kScanThreads;
        if (i < b.row1) __stcs(c.advantage + i, advantage(g[j], owner[i - b.row0]));
      }
    }
  } else {
    for (std::int64_t t = b.lo; t < b.hi; ++t) c.advantage[t] = advantage(c.returns[t], b.seat);
  }
}

// A yes or no that a kernel hands the host without a copy on the stream: the kernel writes 2 · ticket + answer into
// mapped, pinned host memory (one word per host thread, allocated once), and the host waits for an event recorded
// after that kernel. The ticket tells this call's answer from a late one of an earlier call that failed.
class HostVerdict {
 public:
  HostVerdict() {
    thread_local unsigned* word = nullptr;
    thread_local unsigned tickets = 0;
    if (!word) {
      void* p = nullptr;
      check(cudaHostAlloc(&p, sizeof(unsigned), cudaHostAllocMapped | cudaHostAllocPortable), "mars_code verdict");
      word = static_cast<unsigned*>(p);
    }
    host_ = word;
    ticket = ++tickets % 0x7ffffffeu + 1;  // (never 0x7fffffff: the high bits of the empty word)
    *static_cast<volatile unsigned*>(host_) = 0xffffffffu;
    void* d = nullptr;
    check(cudaHostGetDevicePointer(&d, host_, 0), "mars_code verdict");
    device = static_cast<unsigned*>(d);
    check(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming), "mars_code verdict");
  }
  ~HostVerdict() { cudaEventDestroy(event_); }
  HostVerdict(const HostVerdict&) = delete;
  HostVerdict& operator=(const HostVerdict&) = delete;
  void record(cudaStream_t s) const { check(cudaEventRecord(event_, s), "mars_code verdict"); }
  // The answer, once the kernel before record() has run.
  bool wait() const {
    check(cudaEventSynchronize(event_), "mars_code verdict");
    const unsigned v = *static_cast<volatile unsigned*>(host_);
    if (v >> 1 != ticket) throw std::runtime_error("mars_code: no verdict on the distinct-value tables");
    return (v & 1) != 0;
  }
  unsigned* device = nullptr;  // where the kernel writes
  unsigned ticket = 0;

 private:
  unsigned* host_ = nullptr;
  cudaEvent_t event_ = nullptr;
};

// The fused path's scratch regions, in order (measured with a null base).
struct CodeScratch {
  double *pool_moments, *seat_moments, *distinct, *table;
  Acc *pool_partial, *seat_partial;
  char* distinct_scratch;
  std::size_t total;
  CodeScratch(void* base, std::int64_t n, std::int64_t trajectories, int num_pools, int num_seats) {
    const std::size_t blocks = scan_blocks(trajectories);
    Carver c{static_cast<char*>(base)};
    pool_moments = c.take<double>(4 * num_pools);
    seat_moments = c.take<double>(4 * num_seats);
    distinct = c.take<double>(3 * num_seats);
    table = c.take<double>(kCodeTable);
    pool_partial = c.take<Acc>(blocks * num_pools);
    seat_partial = c.take<Acc>(blocks * num_seats);
    distinct_scratch = c.take<char>(DistinctScratch(nullptr, n, num_seats).total);
    total = c.used;
  }
};

// Per-row copies of per-trajectory ids (the general path, and the fused path's fallback, read ids per row).
__global__ void rows_of_kernel(const std::int64_t* offsets, std::int64_t trajectories, const std::int32_t* a,
                               const std::int32_t* b, std::int32_t* a_rows, std::int32_t* b_rows) {
  const std::int64_t s = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (s >= trajectories) return;
  for (std::int64_t t = offsets[s]; t < offsets[s + 1]; ++t) a_rows[t] = a[s], b_rows[t] = b[s];
}

bool fused_path(const double* weight, std::int64_t n, int num_pools, int num_seats) {
  return !weight && num_pools >= 1 && num_pools <= kMaxKeys && num_seats >= 1 && num_seats <= kMaxKeys &&
         hash_log(n + num_seats, num_seats) > 0;
}

void mars_code_fused(const double* reward, const std::int64_t* offsets, std::int64_t trajectories,
                     const std::int32_t* pool, const std::int32_t* seat, std::int64_t n, int num_pools, int num_seats,
                     const CodeOptions& o, double* returns, double* advantage, void* scratch, cudaStream_t s,
                     std::int32_t* pool_rows, std::int32_t* seat_rows) {
  if (n + num_seats > INT_MAX) throw std::runtime_error("mars_code: more than 2^31 - 1 turns");
  CodeScratch sc(scratch, n, trajectories, num_pools, num_seats);
  const DistinctScratch ds(sc.distinct_scratch, n, num_seats);
  const unsigned blocks = scan_blocks(trajectories);
  CodeArgs c;
  c.reward = reward;
  c.offsets = offsets;
  c.trajectories = trajectories;
  c.gamma = o.gamma;
  c.turn_level = o.turn_level;
  c.pool = pool;
  c.seat = seat;
  c.num_pools = num_pools;
  c.num_seats = num_seats;
  c.pool_partial = sc.pool_partial;
  c.pool_moments = sc.pool_moments;
  c.whiten = o.whiten_rewards;
  c.eps = o.eps;
  c.tokens = static_cast<double>(n);
  c.seat_partial = sc.seat_partial;
  c.hash = ds.hash(num_seats);
  c.table = sc.table;
  c.returns = returns;
  c.advantage = advantage;
  distinct_begin(ds, num_seats, s);
  // A, the pools' merge and B are dependent launches: each starts as the one before finishes.
  code_pool_kernel<<<blocks, kScanThreads, 0, s>>>(c);
  check(cudaGetLastError(), "mars_code");
  launch_dependent(combine_chunks_kernel<>, num_pools, kCombineThreads, s, sc.pool_partial, blocks, num_pools,
                   sc.pool_moments, static_cast<double*>(nullptr), ZscoreRule{});
  launch_dependent(code_returns_kernel, blocks, kScanThreads, s, c);
  // C and D. When the tables were given up, the seats per row are written and every return is sorted; then the table
  // and pass D (again).
  auto materialize = [&] {
    rows_of_kernel<<<blocks_for(trajectories), kThreads, 0, s>>>(offsets, trajectories, pool, seat, pool_rows,
                                                                 seat_rows);
    check(cudaGetLastError(), "mars_code");
  };
  auto table_and_d = [&] {
    code_table_kernel<<<1, 1, 0, s>>>(sc.seat_moments, sc.distinct, num_seats, o.eps, sc.table);
    check(cudaGetLastError(), "mars_code");
    launch_dependent(code_advantage_kernel, blocks, kScanThreads, s, c);
  };
  if (o.unique_tolerance > 0) {  // the distinct values are sorted to cluster them: the host learns their number first
    launch_dependent(combine_chunks_kernel<>, num_seats, kCombineThreads, s, sc.seat_partial, blocks, num_seats,
                     sc.seat_moments, static_cast<double*>(nullptr), ZscoreRule{});
    distinct_finish(ds, returns, seat_rows, n, num_seats, o.unique_tolerance, true, 0.0, sc.distinct, s, materialize);
    table_and_d();
    return;
  }
  // Tolerance 0: the runs, the seats' merges and the table, and pass D are launched one after another; the host waits
  // only for the verdict on the tables (written by code_finish_kernel before pass D starts) and, when they were given
  // up, sorts every return and runs the table and pass D again.
  const HostVerdict verdict;
  distinct_runs(ds, num_seats, s);
  launch_dependent(code_finish_kernel, num_seats, kCombineThreads, s, ds.run_partial, ds.runs_per_key(),
                   sc.seat_partial, static_cast<std::int64_t>(blocks), num_seats, o.eps, sc.seat_moments, sc.distinct,
                   sc.table, ds.blocks_done(num_seats), c.hash.overflow, verdict.device, verdict.ticket);
  verdict.record(s);
  launch_dependent(code_advantage_kernel, blocks, kScanThreads, s, c);
  if (!verdict.wait()) return;
  distinct_sort_all(ds, returns, seat_rows, n, num_seats, 0.0, true, 0.0, sc.distinct, s, materialize);
  table_and_d();
}

}  // namespace

std::size_t mars_code_scratch(std::int64_t n, std::int64_t trajectories, int num_pools, int num_seats) {
  const std::size_t fused = CodeScratch(nullptr, n, trajectories, std::max(num_pools, 1), std::max(num_seats, 1)).total;
  Carver c{nullptr};
  c.take<std::int32_t>(n);
  c.take<std::int32_t>(n);
  const std::size_t ids = c.used;
  c.take<double>(4 * std::max(num_pools, 1));
  c.take<double>(1);
  c.take<double>(3 * std::max(num_seats, 1));
  c.take<double>(4);
  c.take<double>(2);
  const std::size_t rest = std::max({keyed_reduce_scratch(n, num_pools),
                                     aligned(sizeof(double) * 2 * std::max<std::int64_t>(1, chunks_of(n))),
                                     distinct_value_mean_scratch(n, num_seats), keyed_reduce_scratch(n, 1)});
  c.take<char>(rest);
  return std::max(c.used, ids + fused);
}

void mars_code(const double* reward, const double* weight, const std::int64_t* offsets, std::int64_t trajectories,
               const std::int32_t* pool_of, const std::int32_t* seat_of, std::int64_t n, int num_pools, int num_seats,
               const CodeOptions& o, double* returns, double* advantage, void* scratch, void* stream) {
  if (n == 0) return;
  auto s = as_stream(stream);
  Carver c{static_cast<char*>(scratch)};
  auto* pool = c.take<std::int32_t>(n);  // ids per row: the general path's keyed passes read them
  auto* seat = c.take<std::int32_t>(n);
  if (fused_path(weight, n, num_pools, num_seats)) {
    mars_code_fused(reward, offsets, trajectories, pool_of, seat_of, n, num_pools, num_seats, o, returns, advantage,
                    c.take<char>(0), s, pool, seat);
    return;
  }
  rows_of_kernel<<<blocks_for(trajectories), kThreads, 0, s>>>(offsets, trajectories, pool_of, seat_of, pool, seat);
  double* pool_moments = c.take<double>(4 * std::max(num_pools, 1));
  double* scale = c.take<double>(1);
  double* distinct = c.take<double>(3 * std::max(num_seats, 1));
  double* moments = c.take<double>(4);
  double* ab = c.take<double>(2);
  char* rest = c.take<char>(0);
  // 1. Per-pool mean reward (unweighted). 2. The reward scale: from the pool moments, or with token weights from a
  // pass over the rewards (only rows of positive weight count their squares).
  keyed_reduce(ElementLoader{reward, nullptr, pool}, n, num_pools, pool_moments, rest, s);
  if (weight) {
    const auto chunks = static_cast<unsigned>(chunks_of(n));
    auto* partial = reinterpret_cast<double*>(rest);
    centred_sums_kernel<<<chunks, kThreads, 0, s>>>(reward, weight, pool, pool_moments, n, chunk_for(n), partial);
    reward_scale_kernel<<<1, kThreads, 0, s>>>(partial, chunks, o.whiten_rewards, o.eps, scale);
  } else {
    reward_scale_moments_kernel<<<1, 1, 0, s>>>(pool_moments, num_pools, static_cast<double>(n), o.whiten_rewards,
                                                o.eps, scale);
  }
  check(cudaGetLastError(), "mars_code");
  // 3. Returns of the centred, rescaled rewards.
  ScanArgs a;
  a.reward = reward;
  a.offsets = offsets;
  a.trajectories = trajectories;
  a.gamma = o.gamma;
  a.pool = pool;
  a.pool_moments = pool_moments;
  a.scale = scale;
  a.turn_level = o.turn_level;
  a.returns = returns;
  launch_scan(a, s);
  // 4. Subtract the mean of the seat's distinct returns (0 included). 5. Token-weighted whitening (ddof 1, ε inside
  // the root) of the centred returns, which are recomputed from the returns where read rather than stored.
  distinct_value_mean(returns, seat, n, num_seats, o.unique_tolerance, true, 0.0, distinct, rest, stream);
  const CentredLoader centred{returns, seat, distinct, weight};
  keyed_reduce(centred, n, 1, moments, rest, s);
  whiten_table_kernel<<<1, 1, 0, s>>>(moments, 1, o.eps, 1, ab);
  centred_affine_kernel<<<blocks_for(n, kThreads * kAffineBatch), kThreads, 0, s>>>(centred, n, ab, advantage);
  check(cudaGetLastError(), "mars_code");
}

}  // namespace arena::kernels
