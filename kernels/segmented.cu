// CUDA implementations of kernels/kernels.h. No torch headers here.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "kernels/kernels.h"

namespace arena::kernels {
namespace {

constexpr int kThreads = 256;
constexpr std::int64_t kChunk = 8192;  // elements per chunk of a keyed reduction

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

cudaStream_t as_stream(void* s) { return static_cast<cudaStream_t>(s); }

std::int64_t chunks_of(std::int64_t n) { return n == 0 ? 0 : (n + kChunk - 1) / kChunk; }

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

// Block (c, k) sums chunk c for key k: fixed per-thread strides, then a fixed shared-memory tree.
// pass 0: partial[0] = count, [1] = Σw, [2] = Σwx.  pass 1: [3] = Σ w (x − mean_k)² with mean from `moments`.
__global__ void chunk_sums_kernel(const double* x, const double* w, const std::int32_t* key, std::int64_t n,
                                  int num_keys, int pass, const double* moments, double* partial) {
  const std::int64_t c = blockIdx.x;
  const int k = blockIdx.y;
  const std::int64_t lo = c * kChunk, hi = min(n, lo + kChunk);
  double a = 0, b = 0, d = 0;
  const double mean = pass == 1 ? moments[4 * k + 2] : 0.0;
  for (std::int64_t i = lo + threadIdx.x; i < hi; i += blockDim.x) {
    if (key[i] != k) continue;
    const double wi = w ? w[i] : 1.0;
    if (wi <= 0) continue;
    if (pass == 0) {
      a += 1;
      b += wi;
      d += wi * x[i];
    } else {
      const double dev = x[i] - mean;
      d += wi * dev * dev;
    }
  }
  __shared__ double sa[kThreads], sb[kThreads], sd[kThreads];
  sa[threadIdx.x] = a;
  sb[threadIdx.x] = b;
  sd[threadIdx.x] = d;
  __syncthreads();
  for (int off = kThreads / 2; off > 0; off >>= 1) {
    if (threadIdx.x < off) {
      sa[threadIdx.x] += sa[threadIdx.x + off];
      sb[threadIdx.x] += sb[threadIdx.x + off];
      sd[threadIdx.x] += sd[threadIdx.x + off];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    double* p = partial + (static_cast<std::int64_t>(k) * gridDim.x + c) * 4;
    if (pass == 0) {
      p[0] = sa[0];
      p[1] = sb[0];
      p[2] = sd[0];
    } else {
      p[3] = sd[0];
    }
  }
}

// One block per key combines its chunks' partials in a fixed tree, and writes count, W, mean (pass 0) or M2 (pass 1).
__global__ void combine_kernel(const double* partial, std::int64_t chunks, int pass, double* moments) {
  const int k = blockIdx.x;
  __shared__ double sa[kThreads], sb[kThreads], sd[kThreads];
  double a = 0, b = 0, d = 0;
  for (std::int64_t c = threadIdx.x; c < chunks; c += blockDim.x) {
    const double* p = partial + (static_cast<std::int64_t>(k) * chunks + c) * 4;
    if (pass == 0) {
      a += p[0];
      b += p[1];
      d += p[2];
    } else {
      d += p[3];
    }
  }
  sa[threadIdx.x] = a;
  sb[threadIdx.x] = b;
  sd[threadIdx.x] = d;
  __syncthreads();
  for (int off = kThreads / 2; off > 0; off >>= 1) {
    if (threadIdx.x < off) {
      sa[threadIdx.x] += sa[threadIdx.x + off];
      sb[threadIdx.x] += sb[threadIdx.x + off];
      sd[threadIdx.x] += sd[threadIdx.x + off];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    double* m = moments + 4 * k;
    if (pass == 0) {
      m[0] = sa[0];
      m[1] = sb[0];
      m[2] = sb[0] > 0 ? sd[0] / sb[0] : 0.0;
      m[3] = 0;
    } else {
      m[3] = sd[0];
    }
  }
}

__device__ double inverse_scale(double var, double eps, int mode) {
  if (mode == 0) return 1.0 / (sqrt(var) + eps);
  if (mode == 1) return 1.0 / sqrt(var + eps);
  return 1.0 / sqrt(fmax(var, eps));
}

__global__ void zscore_kernel(const double* x, const std::int32_t* key, std::int64_t n, const double* moments,
                              int ddof, double eps, int eps_mode, int singleton, double* z) {
  const std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const double* m = moments + 4 * key[i];
  const double count = m[0], W = m[1], mean = m[2], M2 = m[3];
  double out;
  if (count <= 0) out = 0;
  else if (count == 1) out = singleton == 1 ? 0.0 : x[i] * inverse_scale(1.0, eps, eps_mode);
  else if (M2 == 0) out = 0;
  else {
    const double denom = W - ddof;
    const double var = denom > 0 ? M2 / denom : 0.0;
    out = (x[i] - mean) * inverse_scale(var, eps, eps_mode);
  }
  z[i] = out;
}

int blocks_for(std::int64_t n) { return static_cast<int>((n + kThreads - 1) / kThreads); }

// ---- Single-pass keyed moments for up to kMaxKeys keys: per-thread weighted Welford accumulators per key in
// registers, merged with Chan's formula in a fixed order (warp shuffle tree, then warps in index order, then chunks
// in index order). Deterministic and one read of the data.
constexpr int kMaxKeys = 8;

struct Acc {
  double n, w, mean, m2;
};

__device__ inline void acc_add(Acc& a, double x, double w) {
  a.n += 1;
  a.w += w;
  const double d = x - a.mean;
  a.mean += d * w / a.w;
  a.m2 += w * d * (x - a.mean);
}

__device__ inline Acc acc_merge(const Acc& a, const Acc& b) {
  if (b.w == 0) return Acc{a.n + b.n, a.w, a.mean, a.m2};
  if (a.w == 0) return Acc{a.n + b.n, b.w, b.mean, b.m2};
  Acc r;
  r.n = a.n + b.n;
  r.w = a.w + b.w;
  const double d = b.mean - a.mean;
  r.mean = a.mean + d * (b.w / r.w);
  r.m2 = a.m2 + b.m2 + d * d * (a.w * b.w / r.w);
  return r;
}

// Reduces each thread's kMaxKeys accumulators over the block; thread 0 writes them to out[0 .. num_keys).
__device__ void block_merge(Acc (&acc)[kMaxKeys], int num_keys, Acc* out) {
  __shared__ Acc warp_acc[kThreads / 32][kMaxKeys];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
  for (int k = 0; k < kMaxKeys; ++k) {
    Acc a = acc[k];
    for (int off = 16; off > 0; off >>= 1) {
      Acc b{__shfl_down_sync(0xffffffffu, a.n, off), __shfl_down_sync(0xffffffffu, a.w, off),
            __shfl_down_sync(0xffffffffu, a.mean, off), __shfl_down_sync(0xffffffffu, a.m2, off)};
      a = acc_merge(a, b);
    }
    if (lane == 0) warp_acc[warp][k] = a;
  }
  __syncthreads();
  if (threadIdx.x < num_keys) {
    Acc a{0, 0, 0, 0};
    for (int w = 0; w < kThreads / 32; ++w) a = acc_merge(a, warp_acc[w][threadIdx.x]);
    out[threadIdx.x] = a;
  }
}

__global__ void welford_chunks_kernel(const double* x, const double* w, const std::int32_t* key, std::int64_t n,
                                      int num_keys, Acc* partial) {
  Acc acc[kMaxKeys];
#pragma unroll
  for (int k = 0; k < kMaxKeys; ++k) acc[k] = Acc{0, 0, 0, 0};
  const std::int64_t lo = blockIdx.x * kChunk, hi = min(n, lo + kChunk);
  for (std::int64_t i = lo + threadIdx.x; i < hi; i += blockDim.x) {
    const double wi = w ? w[i] : 1.0;
    if (wi <= 0) continue;
    const int ki = key[i];
    const double xi = x[i];
#pragma unroll
    for (int k = 0; k < kMaxKeys; ++k)
      if (k == ki) acc_add(acc[k], xi, wi);
  }
  block_merge(acc, num_keys, partial + static_cast<std::int64_t>(blockIdx.x) * num_keys);
}

// Fused MARS paper-mode first half: one thread per trajectory computes its returns (reverse scan) and adds them to
// its pool's accumulator; blocks merge as above. The block's rows (its trajectories are consecutive, so their rows are
// one contiguous range) are staged through shared memory with coalesced loads and stores when they fit; otherwise the
// threads read and write global memory directly.
constexpr int kStageRows = 5120;  // 40 KB of doubles

__global__ void scan_welford_kernel(const double* reward, const std::int64_t* offsets, std::int64_t trajectories,
                                    const std::int32_t* pool, double gamma, int num_keys, double* returns,
                                    Acc* partial) {
  __shared__ double stage[kStageRows];
  Acc acc[kMaxKeys];
#pragma unroll
  for (int k = 0; k < kMaxKeys; ++k) acc[k] = Acc{0, 0, 0, 0};
  const std::int64_t first = blockIdx.x * static_cast<std::int64_t>(blockDim.x);
  const std::int64_t last = min(trajectories, first + blockDim.x);  // exclusive
  const std::int64_t row0 = offsets[first], row1 = offsets[last];
  const bool staged = row1 - row0 <= kStageRows;
  if (staged)
    for (std::int64_t i = row0 + threadIdx.x; i < row1; i += blockDim.x) stage[i - row0] = reward[i];
  __syncthreads();
  const std::int64_t s = first + threadIdx.x;
  if (s < trajectories) {
    const std::int64_t lo = offsets[s], hi = offsets[s + 1];
    const int kt = hi > lo ? pool[lo] : 0;  // a trajectory's rows share one pool
    double g = 0;
    Acc own{0, 0, 0, 0};  // this trajectory's moments, merged into its pool's accumulator once (no per-row branch)
    for (std::int64_t t = hi - 1; t >= lo; --t) {
      const double r = staged ? stage[t - row0] : reward[t];
      g = r + (t == hi - 1 ? 0.0 : gamma * g);
      if (staged) stage[t - row0] = g;
      else returns[t] = g;
      acc_add(own, g, 1.0);
    }
#pragma unroll
    for (int k = 0; k < kMaxKeys; ++k)
      if (k == kt) acc[k] = acc_merge(acc[k], own);
  }
  __syncthreads();
  if (staged)
    for (std::int64_t i = row0 + threadIdx.x; i < row1; i += blockDim.x) returns[i] = stage[i - row0];
  block_merge(acc, num_keys, partial + static_cast<std::int64_t>(blockIdx.x) * num_keys);
}

// One block per key merges the partials of all chunks in a fixed tree; writes count, W, mean, M2.
__global__ void welford_combine_kernel(const Acc* partial, std::int64_t chunks, int num_keys, double* moments) {
  const int k = blockIdx.x;
  __shared__ Acc s[kThreads];
  Acc a{0, 0, 0, 0};
  for (std::int64_t c = threadIdx.x; c < chunks; c += blockDim.x) a = acc_merge(a, partial[c * num_keys + k]);
  s[threadIdx.x] = a;
  __syncthreads();
  for (int off = kThreads / 2; off > 0; off >>= 1) {
    if (threadIdx.x < off) s[threadIdx.x] = acc_merge(s[threadIdx.x], s[threadIdx.x + off]);
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    moments[4 * k] = s[0].n;
    moments[4 * k + 1] = s[0].w;
    moments[4 * k + 2] = s[0].mean;
    moments[4 * k + 3] = s[0].m2;
  }
}

}  // namespace

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

std::size_t keyed_moments_scratch(std::int64_t n, int num_keys) {
  return static_cast<std::size_t>(std::max<std::int64_t>(1, chunks_of(n)) * num_keys * 4) * sizeof(double);
}

void keyed_moments(const double* x, const double* w, const std::int32_t* key, std::int64_t n, int num_keys,
                   double* out, void* scratch, void* stream) {
  if (num_keys == 0) return;
  auto s = as_stream(stream);
  const std::int64_t chunks = chunks_of(n);
  if (chunks == 0) {
    check(cudaMemsetAsync(out, 0, sizeof(double) * 4 * num_keys, s), "keyed_moments");
    return;
  }
  if (num_keys <= kMaxKeys) {
    auto* acc = static_cast<Acc*>(scratch);
    welford_chunks_kernel<<<static_cast<unsigned>(chunks), kThreads, 0, s>>>(x, w, key, n, num_keys, acc);
    welford_combine_kernel<<<num_keys, kThreads, 0, s>>>(acc, chunks, num_keys, out);
    check(cudaGetLastError(), "keyed_moments");
    return;
  }
  auto* partial = static_cast<double*>(scratch);
  const dim3 grid(static_cast<unsigned>(chunks), static_cast<unsigned>(num_keys));
  for (int pass = 0; pass < 2; ++pass) {
    chunk_sums_kernel<<<grid, kThreads, 0, s>>>(x, w, key, n, num_keys, pass, out, partial);
    combine_kernel<<<num_keys, kThreads, 0, s>>>(partial, chunks, pass, out);
  }
  check(cudaGetLastError(), "keyed_moments");
}

void keyed_zscore(const double* x, const std::int32_t* key, std::int64_t n, const double* moments, int ddof,
                  double eps, int eps_mode, int singleton, double* z, void* stream) {
  if (n == 0) return;
  zscore_kernel<<<blocks_for(n), kThreads, 0, as_stream(stream)>>>(x, key, n, moments, ddof, eps, eps_mode, singleton,
                                                                   z);
  check(cudaGetLastError(), "keyed_zscore");
}

std::size_t mars_paper_scratch(std::int64_t n, int num_pools) {
  // moments, then either the generic reduction's partials or one Acc per (trajectory block, pool); a trajectory
  // block holds kThreads trajectories, so there are at most n / kThreads + 1 of them.
  const std::size_t fused = sizeof(Acc) * static_cast<std::size_t>((n + kThreads - 1) / kThreads + 1) *
                            static_cast<std::size_t>(std::max(num_pools, 1));
  return sizeof(double) * 4 * std::max(num_pools, 1) + std::max(keyed_moments_scratch(n, num_pools), fused);
}

void mars_paper(const double* reward, const std::int64_t* offsets, std::int64_t trajectories, const std::int32_t* pool,
                std::int64_t n, int num_pools, const PaperOptions& o, double* returns, double* advantage,
                void* scratch, void* stream) {
  if (n == 0) return;
  auto* moments = static_cast<double*>(scratch);
  void* partial = moments + 4 * std::max(num_pools, 1);
  if (num_pools <= kMaxKeys) {
    auto s = as_stream(stream);
    const int blocks = blocks_for(trajectories);
    auto* acc = static_cast<Acc*>(partial);
    scan_welford_kernel<<<blocks, kThreads, 0, s>>>(reward, offsets, trajectories, pool, o.gamma, num_pools, returns,
                                                    acc);
    welford_combine_kernel<<<num_pools, kThreads, 0, s>>>(acc, blocks, num_pools, moments);
    check(cudaGetLastError(), "mars_paper");
  } else {
    reverse_segmented_scan(reward, offsets, trajectories, o.gamma, returns, stream);
    keyed_moments(returns, nullptr, pool, n, num_pools, moments, partial, stream);
  }
  keyed_zscore(returns, pool, n, moments, o.ddof, o.eps, o.eps_mode, o.singleton, advantage, stream);
}

double peak_bandwidth() {
  int dev = 0, clock_khz = 0, bus_bits = 0;
  if (cudaGetDevice(&dev) != cudaSuccess) return 0;
  if (cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, dev) != cudaSuccess) return 0;
  if (cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, dev) != cudaSuccess) return 0;
  return 2.0 * clock_khz * 1e3 * (bus_bits / 8.0);  // double data rate
}

}  // namespace arena::kernels
