// CUDA implementations of kernels/kernels.h: per-key EMA scans, and the MARS code-mode and GRPO pipelines (the
// distinct-value mean is in distinct.cu). No torch headers here.
#include <cub/device/device_radix_sort.cuh>

#include <algorithm>
#include <cmath>

#include "kernels/device_common.cuh"
#include "kernels/kernels.h"
#include "kernels/keyed_reduce.cuh"
#include "kernels/scan.cuh"

namespace arena::kernels {
namespace {

using namespace detail;

// ---- EMA scan ---------------------------------------------------------------------------------------------------

constexpr int kEmaChunk = 32;      // sorted positions per thread
constexpr int kEmaScanThreads = 1024;

__global__ void iota_keys_kernel(const std::int32_t* key, std::int64_t n, int* keys, int* index) {
  const std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  keys[i] = key[i];
  index[i] = static_cast<int>(i);
}

// The affine map b ↦ A·b + C from the start of chunk g's last piece to the chunk's end; a piece that begins its key's
// run reads the key's table value, so its map is constant (A = 0).
__global__ void ema_chunk_kernel(const double* x, const int* keys, const int* index, std::int64_t n, double alpha,
                                 const double* table, double* chunk_a, double* chunk_c) {
  const std::int64_t g = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  const std::int64_t lo = g * kEmaChunk, hi = min(n, lo + kEmaChunk);
  if (lo >= n) return;
  double A = 1, C = 0;
  for (std::int64_t p = lo; p < hi; ++p) {
    if (p == 0 || keys[p] != keys[p - 1]) {
      A = 0;
      C = table[keys[p]];
    }
    A = alpha * A;
    C = alpha * C + (1.0 - alpha) * x[index[p]];
  }
  chunk_a[g] = A;
  chunk_c[g] = C;
}

// carry[g] = the EMA value at the end of chunk g: an inclusive scan of the chunks' maps (composition in a fixed
// Hillis–Steele tree per tile of 1024 chunks, tiles in order). One block.
__global__ void ema_carry_kernel(const double* chunk_a, const double* chunk_c, std::int64_t chunks, double* carry) {
  __shared__ double sa[2][kEmaScanThreads], sc[2][kEmaScanThreads];
  double before = 0;  // the value at the end of the previous tile (chunk 0's map is constant, so its input is unused)
  for (std::int64_t base = 0; base < chunks; base += kEmaScanThreads) {
    const std::int64_t g = base + threadIdx.x;
    int cur = 0;
    sa[0][threadIdx.x] = g < chunks ? chunk_a[g] : 1.0;
    sc[0][threadIdx.x] = g < chunks ? chunk_c[g] : 0.0;
    __syncthreads();
    for (int off = 1; off < kEmaScanThreads; off <<= 1) {
      const int nxt = cur ^ 1;
      double a = sa[cur][threadIdx.x], c = sc[cur][threadIdx.x];
      if (static_cast<int>(threadIdx.x) >= off) {  // (a, c) ∘ (a', c') : b ↦ a·(a'·b + c') + c
        const double a2 = sa[cur][threadIdx.x - off], c2 = sc[cur][threadIdx.x - off];
        c = a * c2 + c;
        a = a * a2;
      }
      sa[nxt][threadIdx.x] = a;
      sc[nxt][threadIdx.x] = c;
      cur = nxt;
      __syncthreads();
    }
    if (g < chunks) carry[g] = sa[cur][threadIdx.x] * before + sc[cur][threadIdx.x];
    const std::int64_t left = chunks - base;
    const int tile_last = static_cast<int>(left < kEmaScanThreads ? left : kEmaScanThreads) - 1;
    before = sa[cur][tile_last] * before + sc[cur][tile_last];
    __syncthreads();
  }
}

__global__ void ema_apply_kernel(const double* x, const int* keys, const int* index, std::int64_t n, double alpha,
                                 const double* table, const double* carry, double* pre, double* post,
                                 double* final_value) {
  const std::int64_t g = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  const std::int64_t lo = g * kEmaChunk, hi = min(n, lo + kEmaChunk);
  if (lo >= n) return;
  double b = g > 0 ? carry[g - 1] : 0.0;
  for (std::int64_t p = lo; p < hi; ++p) {
    const int k = keys[p];
    if (p == 0 || k != keys[p - 1]) b = table[k];
    const int j = index[p];
    pre[j] = b;
    b = alpha * b + (1.0 - alpha) * x[j];
    post[j] = b;
    if (p == n - 1 || keys[p + 1] != k) final_value[k] = b;
  }
}

__global__ void ema_store_kernel(const std::int64_t* offsets, int num_keys, const double* final_value, double* table) {
  const int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k < num_keys && offsets[k + 1] > offsets[k]) table[k] = final_value[k];
}

struct EmaScratch {
  int *keys_in, *keys_out, *index_in, *index_out;
  std::int64_t* offsets;
  double *chunk_a, *chunk_c, *carry, *final_value;
  void* temp;
  std::size_t temp_bytes, total;
  EmaScratch(void* base, std::int64_t n, int num_keys) {
    const std::int64_t chunks = (n + kEmaChunk - 1) / kEmaChunk;
    Carver c{static_cast<char*>(base)};
    keys_in = c.take<int>(n);
    keys_out = c.take<int>(n);
    index_in = c.take<int>(n);
    index_out = c.take<int>(n);
    offsets = c.take<std::int64_t>(num_keys + 1);
    chunk_a = c.take<double>(chunks);
    chunk_c = c.take<double>(chunks);
    carry = c.take<double>(chunks);
    final_value = c.take<double>(num_keys);
    temp_bytes = sort_temp_bytes(n, num_keys);
    temp = c.take<char>(temp_bytes);
    total = c.used;
  }
};

// ---- MARS code mode ---------------------------------------------------------------------------------------------

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

// ---- GRPO ---------------------------------------------------------------------------------------------------------

// GRPO's per-trajectory passes, staged like the trajectory scan (kernels/scan.cuh): a block's 256 trajectories own
// one contiguous range of rows, read and written coalesced through shared memory when it fits.
// Pass 1: each trajectory's score Σ r in turn order (the CPU's order) and its group (−1 for an empty trajectory).
__global__ void trajectory_scores_kernel(const double* reward, const std::int64_t* offsets, std::int64_t trajectories,
                                         const std::int32_t* group, double* score, std::int32_t* key) {
  __shared__ double stage[kStageRows];
  const std::int64_t first = blockIdx.x * static_cast<std::int64_t>(blockDim.x);
  const std::int64_t last = min(trajectories, first + blockDim.x);
  const std::int64_t s = first + threadIdx.x;
  const bool mine = s < trajectories;
  // The offsets in one round trip, the group read while the rows are staged (as in the trajectory scan).
  const std::int64_t row0 = offsets[first], row1 = offsets[last];
  const std::int64_t lo = mine ? offsets[s] : 0, hi = mine ? offsets[s + 1] : 0;
  const int g = hi > lo ? group[lo] : -1;
  const bool staged = row1 - row0 <= kStageRows;
  if (staged) stage_rows_async<kThreads>(stage, row0, row1, reward);
  __syncthreads();
  if (!mine) return;
  double total = 0;
  for (std::int64_t t = lo; t < hi; ++t) total += staged ? stage[slot(static_cast<int>(t - row0))] : reward[t];
  score[s] = total;
  key[s] = g;
}

// Pass 2: every row gets its trajectory's score and advantage (z = (score − a)·b with its group's (a, b)).
__global__ void broadcast_kernel(const double* score, const std::int32_t* key, const std::int64_t* offsets,
                                 std::int64_t trajectories, const double* ab, double* returns, double* advantage) {
  __shared__ double value[kThreads], adv[kThreads];
  __shared__ unsigned char owner[kStageRows];  // row → its trajectory within the block
  const std::int64_t first = blockIdx.x * static_cast<std::int64_t>(blockDim.x);
  const std::int64_t last = min(trajectories, first + blockDim.x);
  const std::int64_t row0 = offsets[first], row1 = offsets[last];
  const bool staged = row1 - row0 <= kStageRows;
  const std::int64_t s = first + threadIdx.x;
  std::int64_t lo = 0, hi = 0;
  double v = 0, a = 0;
  if (s < trajectories) {
    lo = offsets[s];
    hi = offsets[s + 1];
    if (hi > lo) {
      const int k = key[s];
      v = score[s];
      a = (v - ab[2 * k]) * ab[2 * k + 1];
    }
  }
  if (!staged) {
    for (std::int64_t t = lo; t < hi; ++t) returns[t] = v, advantage[t] = a;
    return;
  }
  value[threadIdx.x] = v;
  adv[threadIdx.x] = a;
  for (std::int64_t t = lo; t < hi; ++t) owner[t - row0] = static_cast<unsigned char>(threadIdx.x);
  __syncthreads();
  for (std::int64_t i = row0 + threadIdx.x; i < row1; i += blockDim.x) {
    const int o = owner[i - row0];
    returns[i] = value[o];
    advantage[i] = adv[o];
  }
}

}  // namespace

std::size_t ema_scan_scratch(std::int64_t n, int num_keys) { return EmaScratch(nullptr, n, std::max(num_keys, 1)).total; }

void segmented_ema_scan(const double* x, const std::int32_t* key, std::int64_t n, int num_keys, double alpha,
                        double* table, double* pre, double* post, void* scratch, void* stream) {
  if (n == 0 || num_keys <= 0) return;
  if (n > 0x7fffffff) throw std::runtime_error("segmented_ema_scan: more than 2^31 - 1 elements");
  auto s = as_stream(stream);
  EmaScratch sc(scratch, n, num_keys);
  iota_keys_kernel<<<blocks_for(n), kThreads, 0, s>>>(key, n, sc.keys_in, sc.index_in);
  std::size_t bytes = sc.temp_bytes;
  check(cub::DeviceRadixSort::SortPairs(sc.temp, bytes, sc.keys_in, sc.keys_out, sc.index_in, sc.index_out,
                                        static_cast<int>(n), 0, key_bits(num_keys), s),
        "ema sort");
  key_offsets_kernel<<<blocks_for(num_keys + 1), kThreads, 0, s>>>(sc.keys_out, n, num_keys, sc.offsets);
  const std::int64_t chunks = (n + kEmaChunk - 1) / kEmaChunk;
  ema_chunk_kernel<<<blocks_for(chunks), kThreads, 0, s>>>(x, sc.keys_out, sc.index_out, n, alpha, table, sc.chunk_a,
                                                           sc.chunk_c);
  ema_carry_kernel<<<1, kEmaScanThreads, 0, s>>>(sc.chunk_a, sc.chunk_c, chunks, sc.carry);
  ema_apply_kernel<<<blocks_for(chunks), kThreads, 0, s>>>(x, sc.keys_out, sc.index_out, n, alpha, table, sc.carry, pre,
                                                           post, sc.final_value);
  ema_store_kernel<<<blocks_for(num_keys), kThreads, 0, s>>>(sc.offsets, num_keys, sc.final_value, table);
  check(cudaGetLastError(), "segmented_ema_scan");
}

std::size_t mars_code_scratch(std::int64_t n, std::int64_t trajectories, int num_pools, int num_seats) {
  Carver c{nullptr};
  c.take<double>(4 * std::max(num_pools, 1));
  c.take<double>(1);
  c.take<double>(3 * std::max(num_seats, 1));
  c.take<double>(4);
  c.take<double>(2);
  const std::size_t rest = std::max({keyed_reduce_scratch(n, num_pools),
                                     aligned(sizeof(double) * 2 * std::max<std::int64_t>(1, chunks_of(n))),
                                     distinct_value_mean_scratch(n, num_seats), keyed_reduce_scratch(n, 1)});
  c.take<char>(rest);
  return c.used;
}

void mars_code(const double* reward, const double* weight, const std::int64_t* offsets, std::int64_t trajectories,
               const std::int32_t* pool, const std::int32_t* seat, std::int64_t n, int num_pools, int num_seats,
               const CodeOptions& o, double* returns, double* advantage, void* scratch, void* stream) {
  if (n == 0) return;
  auto s = as_stream(stream);
  Carver c{static_cast<char*>(scratch)};
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

std::size_t grpo_scratch(std::int64_t n, std::int64_t trajectories, int num_groups) {
  Carver c{nullptr};
  c.take<double>(4 * std::max(num_groups, 1));
  c.take<double>(2 * std::max(num_groups, 1));
  c.take<double>(trajectories);
  c.take<std::int32_t>(trajectories);
  c.take<char>(std::max(keyed_reduce_scratch(trajectories, num_groups), keyed_reduce_scratch(n, num_groups)));
  return c.used;
}

void grpo(const double* reward, const std::int64_t* offsets, std::int64_t trajectories, const std::int32_t* group,
          std::int64_t n, int num_groups, const GrpoOptions& o, double* returns, double* advantage, void* scratch,
          void* stream) {
  if (n == 0) return;
  auto s = as_stream(stream);
  Carver c{static_cast<char*>(scratch)};
  double* moments = c.take<double>(4 * std::max(num_groups, 1));
  double* ab = c.take<double>(2 * std::max(num_groups, 1));
  double* score = c.take<double>(trajectories);
  auto* key = c.take<std::int32_t>(trajectories);
  char* rest = c.take<char>(0);
  if (o.unit_trajectory) {
    trajectory_scores_kernel<<<blocks_for(trajectories), kThreads, 0, s>>>(reward, offsets, trajectories, group, score,
                                                                           key);
    keyed_reduce(ElementLoader{score, nullptr, key}, trajectories, num_groups, moments, rest, s);
    zscore_table_kernel<<<blocks_for(num_groups), kThreads, 0, s>>>(moments, num_groups, o.ddof, o.eps, o.eps_mode,
                                                                    o.singleton, ab);
    broadcast_kernel<<<blocks_for(trajectories), kThreads, 0, s>>>(score, key, offsets, trajectories, ab, returns,
                                                                   advantage);
    check(cudaGetLastError(), "grpo");
    return;
  }
  reverse_segmented_scan(reward, offsets, trajectories, 1.0, returns, stream);
  keyed_reduce(ElementLoader{returns, nullptr, group}, n, num_groups, moments, rest, s);
  keyed_zscore(returns, group, n, moments, num_groups, o.ddof, o.eps, o.eps_mode, o.singleton, advantage, ab, stream);
}

}  // namespace arena::kernels
