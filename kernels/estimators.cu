// CUDA implementations of kernels/kernels.h: per-key EMA scans and the GRPO pipeline (MARS code mode is in
// mars_code.cu, the distinct-value mean in distinct.cu). No torch headers here.
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
