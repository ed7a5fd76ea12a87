// Device helpers shared by the .cu files: the weighted Welford accumulator with Chan's merge (fixed-order merges keep
// results deterministic), the estimators' ε rules, launch sizes and error checks. No torch headers.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace arena::kernels::detail {

constexpr int kThreads = 256;

inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}
inline cudaStream_t as_stream(void* s) { return static_cast<cudaStream_t>(s); }
inline unsigned blocks_for(std::int64_t n, int threads = kThreads) {
  return static_cast<unsigned>((n + threads - 1) / threads);
}
// Bytes rounded up to 256 so that consecutive scratch regions stay aligned.
inline std::size_t aligned(std::size_t bytes) { return (bytes + 255) / 256 * 256; }

// Carves consecutive aligned regions out of one scratch allocation (pass nullptr to only measure).
struct Carver {
  char* base;
  std::size_t used = 0;
  template <typename T>
  T* take(std::size_t count) {
    T* p = base ? reinterpret_cast<T*>(base + used) : nullptr;
    used += aligned(sizeof(T) * (count == 0 ? 1 : count));
    return p;
  }
};

// count of elements with weight > 0, W = Σw, weighted mean, M2 = Σ w (x − mean)².
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

// The accumulator of items summed with a shift: count n, W = Σw, s1 = Σ w·(x − shift), s2 = Σ w·(x − shift)² (or,
// over sub-accumulators, Σ (M2 + w·d²)); no items of positive weight give mean = M2 = 0.
__device__ inline Acc shifted_acc(double n, double w, double shift, double s1, double s2) {
  if (!(w > 0)) return Acc{n, w, 0, 0};
  return Acc{n, w, shift + s1 / w, fmax(0.0, s2 - s1 * (s1 / w))};
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

__device__ inline Acc acc_shfl_down(const Acc& a, int off) {
  return Acc{__shfl_down_sync(0xffffffffu, a.n, off), __shfl_down_sync(0xffffffffu, a.w, off),
             __shfl_down_sync(0xffffffffu, a.mean, off), __shfl_down_sync(0xffffffffu, a.m2, off)};
}

// Merges one accumulator per thread over a block of kBlock threads (a multiple of 32, at most 1024) in a fixed order:
// a shuffle tree per warp, then one over the warps' results; thread 0 gets the result.
template <int kBlock>
__device__ inline Acc block_merge(Acc a) {
  constexpr int kWarps = kBlock / 32;
  __shared__ Acc warp_acc[kWarps];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int off = 16; off > 0; off >>= 1) a = acc_merge(a, acc_shfl_down(a, off));
  if (lane == 0) warp_acc[warp] = a;
  __syncthreads();
  Acc r{0, 0, 0, 0};
  if (warp == 0) {
    r = lane < kWarps ? warp_acc[lane] : Acc{0, 0, 0, 0};
    for (int off = 16; off > 0; off >>= 1) r = acc_merge(r, acc_shfl_down(r, off));
  }
  __syncthreads();
  return r;
}
__device__ inline Acc block_merge_one(Acc a) { return block_merge<kThreads>(a); }

__device__ inline double inverse_scale(double var, double eps, int mode) {
  if (mode == 0) return 1.0 / (sqrt(var) + eps);
  if (mode == 1) return 1.0 / sqrt(var + eps);
  return 1.0 / sqrt(fmax(var, eps));
}

}  // namespace arena::kernels::detail
