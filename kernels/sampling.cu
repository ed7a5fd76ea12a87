#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/sampling.h"

namespace arena::kernels {
namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;
constexpr std::uint64_t kMix1 = 0xBF58476D1CE4E5B9ULL;
constexpr std::uint64_t kMix2 = 0x94D049BB133111EBULL;
constexpr int kThreads = 256;

__device__ std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= kMix1;
  x ^= x >> 27;
  x *= kMix2;
  x ^= x >> 31;
  return x;
}

// The larger score wins; equal scores go to the smaller index (torch's argmax rule).
__device__ void better(double& best, std::int64_t& at, double s, std::int64_t i) {
  if (s > best || (s == best && i < at)) {
    best = s;
    at = i;
  }
}

__global__ void gumbel_argmax_kernel(const float* scores, const std::int64_t* seeds, const std::int64_t* step,
                                     std::int64_t vocab, std::int64_t* token) {
  const std::int64_t row = blockIdx.x;
  const std::uint64_t key = mix64(static_cast<std::uint64_t>(seeds[row]) + static_cast<std::uint64_t>(*step + 1) * kGolden);
  const float* s = scores + row * vocab;
  double best = -INFINITY;
  std::int64_t at = vocab;
  for (std::int64_t v = threadIdx.x; v < vocab; v += blockDim.x) {
    const std::uint64_t x = mix64(key + static_cast<std::uint64_t>(v) * kGolden);
    const double u = (static_cast<double>(x >> 11) + 0.5) * 0x1.0p-53;
    better(best, at, static_cast<double>(s[v]) + -log(-log(u)), v);
  }
  __shared__ double best_s[kThreads];
  __shared__ std::int64_t at_s[kThreads];
  best_s[threadIdx.x] = best;
  at_s[threadIdx.x] = at;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) {
      double b = best_s[threadIdx.x];
      std::int64_t a = at_s[threadIdx.x];
      better(b, a, best_s[threadIdx.x + half], at_s[threadIdx.x + half]);
      best_s[threadIdx.x] = b;
      at_s[threadIdx.x] = a;
    }
    __syncthreads();
  }
  // A row whose scores are all −inf (cannot happen after filtering, which keeps one token) yields token 0.
  if (threadIdx.x == 0) token[row] = at_s[0] < vocab ? at_s[0] : 0;
}

}  // namespace

void gumbel_argmax(const float* scores, const std::int64_t* seeds, const std::int64_t* step, std::int64_t rows,
                   std::int64_t vocab, std::int64_t* token, void* stream) {
  if (rows == 0) return;
  gumbel_argmax_kernel<<<static_cast<unsigned>(rows), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      scores, seeds, step, vocab, token);
}

}  // namespace arena::kernels
