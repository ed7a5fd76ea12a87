// CUDA kernels for the advantage estimators' primitives. Plain C++ interface: device pointers, sizes and a stream
// (a cudaStream_t passed as void*), no torch types, so the .cu files include no torch headers. Each function has a
// CPU reference with the same semantics in trainer/estimators/primitives.h; tests compare them on the GPU machine.
//
// Determinism: no atomics. Per-key sums are taken over fixed chunks in a fixed tree order and combined in chunk
// order, all in double, so a result never depends on scheduling.
#pragma once

#include <cstddef>
#include <cstdint>

namespace arena::kernels {

// True when a CUDA device is usable.
bool cuda_available();

// y_t = x_t + γ·y_{t+1} inside each segment [offsets[s], offsets[s+1]); one thread per segment (segments are
// trajectories: tens of turns). x and y may alias.
void reverse_segmented_scan(const double* x, const std::int64_t* offsets, std::int64_t segments, double gamma,
                            double* y, void* stream);

// Per key k ∈ [0, num_keys): count of elements, W = Σ w, mean = Σ w x / W, M2 = Σ w (x − mean)², written as
// out[4k + {0,1,2,3}]. w == nullptr means 1. Two passes (sums, then squared deviations) over fixed chunks.
// `scratch` holds keyed_moments_scratch(n, num_keys) bytes of device memory.
std::size_t keyed_moments_scratch(std::int64_t n, int num_keys);
void keyed_moments(const double* x, const double* w, const std::int32_t* key, std::int64_t n, int num_keys,
                   double* out, void* scratch, void* stream);

// z_i = zscore(x_i) against moments[key_i] (as written by keyed_moments), with the estimators' rules:
// no weight → 0; one element → singleton rule (0: raw, x·scale(1); 1: zero); M2 == 0 → 0;
// scale = 1/(σ + ε) (eps_mode 0), 1/√(σ² + ε) (1) or 1/√max(σ², ε) (2); σ² = M2/(W − ddof).
void keyed_zscore(const double* x, const std::int32_t* key, std::int64_t n, const double* moments, int ddof,
                  double eps, int eps_mode, int singleton, double* z, void* stream);

// MARS paper mode, fused: returns R by reverse scan per trajectory, moments of R per pool, z-scores. Rows are grouped
// by trajectory in turn order (`offsets`), `pool` is the dense (game, role) id per row (constant within a
// trajectory). Writes returns and advantage.
struct PaperOptions {
  double gamma = 1.0;
  int ddof = 1;
  double eps = 1e-6;
  int eps_mode = 0;
  int singleton = 1;
};
std::size_t mars_paper_scratch(std::int64_t n, int num_pools);
void mars_paper(const double* reward, const std::int64_t* offsets, std::int64_t trajectories, const std::int32_t* pool,
                std::int64_t n, int num_pools, const PaperOptions& options, double* returns, double* advantage,
                void* scratch, void* stream);

// Peak DRAM bandwidth of the current device in bytes/s (from its memory clock and bus width), 0 if unknown.
double peak_bandwidth();

}  // namespace arena::kernels
