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
// Programmatic dependent launch (compute capability 9.0 on): a kernel started with launch_dependent may begin
// before the kernel ahead of it in the stream has finished, once every block of that one has called allow_next (or
// ended). It must call wait_for_previous before it reads anything the kernels ahead of it write, and before it writes
// anything they read; the wait returns at once for a kernel launched the ordinary way. What it does before the wait
// (reading the call's inputs, staging them) overlaps the tail of the kernel ahead and the launch itself.
__device__ inline void wait_for_previous() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}
__device__ inline void allow_next() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

bool dependent_launch_supported();  // the current device has compute capability 9.0 or more (segmented.cu)

// kernel<<<grid, block, 0, stream>>>(args...), as a dependent launch where the device supports it.
template <typename... Params, typename... Args>
void launch_dependent(void (*kernel)(Params...), unsigned grid, unsigned block, cudaStream_t stream, Args... args) {
  cudaLaunchConfig_t config{};
  config.gridDim = dim3(grid);
  config.blockDim = dim3(block);
  config.stream = stream;
  cudaLaunchAttribute attribute[1];
  attribute[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attribute[0].val.programmaticStreamSerializationAllowed = 1;
  config.attrs = attribute;
  config.numAttrs = dependent_launch_supported() ? 1 : 0;
  check(cudaLaunchKernelEx(&config, kernel, static_cast<Params>(args)...), "dependent launch");
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

// Merges count accumulators partial[0], partial[stride], ... with one block of kBlock threads (a multiple of 32, at
// most 1024; every thread calls it): sums shifted by the mean of the first one with weight (Σ n, Σ W, Σ W·d and
// Σ (M2 + W·d²) with d = mean − shift), thread t taking t, t + kBlock, ..., then a shuffle tree per warp and the warps
// in order; thread 0 gets the result. A fixed order, and no division but the last: a chain of Chan merges, two
// divisions each, kept these merges latency-bound.
template <int kBlock>
__device__ inline Acc merge_shifted(const Acc* partial, std::int64_t count, std::int64_t stride) {
  constexpr int kWarps = kBlock / 32;
  __shared__ std::int64_t first_of_warp[kWarps];
  __shared__ double sums[4][kWarps];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  std::int64_t mine = count;
  for (std::int64_t c = threadIdx.x; c < count; c += kBlock)
    if (partial[c * stride].w > 0) {
      mine = c;
      break;
    }
  for (int off = 16; off > 0; off >>= 1) mine = min(mine, __shfl_down_sync(0xffffffffu, mine, off));
  if (lane == 0) first_of_warp[warp] = mine;
  __syncthreads();
  std::int64_t first = count;
  for (int i = 0; i < kWarps; ++i) first = min(first, first_of_warp[i]);
  const double shift = first < count ? partial[first * stride].mean : 0.0;
  double n = 0, w = 0, s1 = 0, s2 = 0;
#pragma unroll 4
  for (std::int64_t c = threadIdx.x; c < count; c += kBlock) {
    const Acc t = partial[c * stride];
    const double d = t.mean - shift, wd = __dmul_rn(t.w, d);
    n += t.n;
    w += t.w;
    s1 += wd;
    s2 += __fma_rn(wd, d, t.m2);
  }
  for (int off = 16; off > 0; off >>= 1) {
    n += __shfl_down_sync(0xffffffffu, n, off);
    w += __shfl_down_sync(0xffffffffu, w, off);
    s1 += __shfl_down_sync(0xffffffffu, s1, off);
    s2 += __shfl_down_sync(0xffffffffu, s2, off);
  }
  if (lane == 0) sums[0][warp] = n, sums[1][warp] = w, sums[2][warp] = s1, sums[3][warp] = s2;
  __syncthreads();
  Acc r{0, 0, 0, 0};
  if (threadIdx.x == 0) {
    n = w = s1 = s2 = 0;
    for (int i = 0; i < kWarps; ++i) n += sums[0][i], w += sums[1][i], s1 += sums[2][i], s2 += sums[3][i];
    r = shifted_acc(n, w, shift, s1, s2);
  }
  __syncthreads();  // (the shared arrays may be used again by the caller's next merge)
  return r;
}

__device__ inline double inverse_scale(double var, double eps, int mode) {
  if (mode == 0) return 1.0 / (sqrt(var) + eps);
  if (mode == 1) return 1.0 / sqrt(var + eps);
  return 1.0 / sqrt(fmax(var, eps));
}

}  // namespace arena::kernels::detail
