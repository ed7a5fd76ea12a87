// CUDA kernels for the advantage estimators' primitives and pipelines. Plain C++ interface: device pointers, sizes and
// a stream (a cudaStream_t passed as void*), no torch types, so the .cu files include no torch headers. Each function
// has a CPU reference with the same semantics in trainer/estimators/ (primitives.h, mars.h, grpo.h, rae.h); tests
// compare them on the GPU machine.
//
// Determinism: no floating-point atomics. Keyed sums are taken over fixed chunks in a fixed tree order (or, with more
// than 8 keys, over a stable sort of the keys) and combined in a fixed order, all in double, so a result never
// depends on scheduling. Functions that need working memory take `scratch` of at least the bytes their *_scratch
// function returns. Rows of per-trajectory inputs are grouped by trajectory in turn order: trajectory s owns rows
// [offsets[s], offsets[s+1]).
#pragma once

#include <cstddef>
#include <cstdint>

namespace arena::kernels {

// True when a CUDA device is usable.
bool cuda_available();

// y_t = x_t + γ·y_{t+1} inside each segment; one thread per segment (segments are trajectories: tens of turns).
// x and y may alias.
void reverse_segmented_scan(const double* x, const std::int64_t* offsets, std::int64_t segments, double gamma,
                            double* y, void* stream);

// GAE per segment (an episode ends at its segment's end, V after it is 0):
//   δ_t = r_t + γ·V_{t+1} − V_t,  A_t = δ_t + γλ·A_{t+1},  ret_t = A_t + V_t.
void segmented_gae(const double* reward, const double* value, const std::int64_t* offsets, std::int64_t segments,
                   double gamma, double lambda, double* advantage, double* returns, void* stream);

// Per key k ∈ [0, num_keys): count of elements with weight > 0, W = Σ w, mean = Σ w x / W, M2 = Σ w (x − mean)²,
// written as out[4k + {0,1,2,3}]. w == nullptr means 1; key == nullptr means key 0 for every element.
std::size_t keyed_moments_scratch(std::int64_t n, int num_keys);
void keyed_moments(const double* x, const double* w, const std::int32_t* key, std::int64_t n, int num_keys,
                   double* out, void* scratch, void* stream);

// z_i = zscore(x_i) against moments[key_i] (as written by keyed_moments, num_keys of them), with the estimators'
// rules: no weight → 0; one element → singleton rule (0: raw, x·scale(1); 1: zero); M2 == 0 or W − ddof ≤ 0 → 0;
// scale = 1/(σ + ε) (eps_mode 0), 1/√(σ² + ε) (1) or 1/√max(σ², ε) (2); σ² = M2/(W − ddof). Each key's scale is
// computed once (into scratch), with the CPU's operations, so results equal the CPU's bit for bit given equal moments.
std::size_t keyed_zscore_scratch(int num_keys);
void keyed_zscore(const double* x, const std::int32_t* key, std::int64_t n, const double* moments, int num_keys,
                  int ddof, double eps, int eps_mode, int singleton, double* z, void* scratch, void* stream);

// Global weighted whitening: z_i = (x_i − μ)·scale(M2/(W − ddof)) over the elements with w > 0 (w == nullptr: 1),
// applied to every element; W − ddof ≤ 0 or M2 == 0 gives 0 everywhere. x and z may alias.
std::size_t whitening_scratch(std::int64_t n);
void whitening(const double* x, const double* w, std::int64_t n, int ddof, double eps, int eps_mode, double* z,
               void* scratch, void* stream);

// Per key, the set U of distinct values among its elements plus `extra` (when has_extra, for every key): values
// sorted, a value joins the current distinct value u when |x − u| ≤ tol·max(1, |u|), else starts a new one.
// out[3k + {0,1,2}] = {|U|, mean(U), std(U) with ddof 1 (0 when |U| ≤ 1)}. One host synchronization (the number
// of exactly distinct values decides how many pointer-jumping rounds run).
std::size_t distinct_value_mean_scratch(std::int64_t n, int num_keys);
void distinct_value_mean(const double* x, const std::int32_t* key, std::int64_t n, int num_keys, double tolerance,
                         bool has_extra, double extra, double* out, void* scratch, void* stream);

// Exponential moving average per key over the elements in input order, state in `table` (num_keys values, updated
// in place): pre[j] = b_k; b_k ← α·b_k + (1−α)·x[j]; post[j] = b_k. A segmented affine scan over the elements stably
// sorted by key, in fixed chunks.
std::size_t ema_scan_scratch(std::int64_t n, int num_keys);
void segmented_ema_scan(const double* x, const std::int32_t* key, std::int64_t n, int num_keys, double alpha,
                        double* table, double* pre, double* post, void* scratch, void* stream);

// MARS paper mode, fused: returns R by reverse scan per trajectory (turn_level false: every turn takes R at its
// trajectory's first turn), moments of R per pool, z-scores. `pool` is the dense (game, role) id per trajectory.
struct PaperOptions {
  double gamma = 1.0;
  int ddof = 1;
  double eps = 1e-6;
  int eps_mode = 0;
  int singleton = 1;
  bool turn_level = true;
};
std::size_t mars_paper_scratch(std::int64_t n, std::int64_t trajectories, int num_pools);
void mars_paper(const double* reward, const std::int64_t* offsets, std::int64_t trajectories, const std::int32_t* pool,
                std::int64_t n, int num_pools, const PaperOptions& options, double* returns, double* advantage,
                void* scratch, void* stream);

// MARS code mode (trainer/estimators/mars.h): centre rewards on their pool's mean, rescale by the token whitening
// factor, reverse scan, subtract the mean of the seat's distinct returns (0 included), token-weighted whitening.
// `weight` is the per-row token count (nullptr: 1); `pool` the dense (game, role) id and `seat` the dense role id,
// one per trajectory (0-based; with agent_specific off the caller passes role 0).
struct CodeOptions {
  double gamma = 1.0;
  bool whiten_rewards = true;
  double eps = 1e-8;
  double unique_tolerance = 1e-9;
  bool turn_level = true;
};
std::size_t mars_code_scratch(std::int64_t n, std::int64_t trajectories, int num_pools, int num_seats);
void mars_code(const double* reward, const double* weight, const std::int64_t* offsets, std::int64_t trajectories,
               const std::int32_t* pool, const std::int32_t* seat, std::int64_t n, int num_pools, int num_seats,
               const CodeOptions& options, double* returns, double* advantage, void* scratch, void* stream);
// The bytes of the distinct-value hash tables mars_code clears and reads for n turns and num_seats seats (0 when
// there would be none): what its memory traffic counts beyond the per-turn arrays.
std::size_t mars_code_table_bytes(std::int64_t n, int num_seats);

// GRPO (trainer/estimators/grpo.h): scores per trajectory (Σ r in turn order, unit_trajectory) or per turn (the
// undiscounted reward-to-go), z-scored per group (dense id per row, constant within a trajectory for
// unit_trajectory); every row gets its sample's advantage and score.
struct GrpoOptions {
  bool unit_trajectory = true;
  int ddof = 1;
  double eps = 1e-6;
  int eps_mode = 0;
  int singleton = 0;
};
std::size_t grpo_scratch(std::int64_t n, std::int64_t trajectories, int num_groups);
void grpo(const double* reward, const std::int64_t* offsets, std::int64_t trajectories, const std::int32_t* group,
          std::int64_t n, int num_groups, const GrpoOptions& options, double* returns, double* advantage,
          void* scratch, void* stream);

// Peak DRAM bandwidth of the current device in bytes/s (from its memory clock and bus width), 0 if unknown.
double peak_bandwidth();

}  // namespace arena::kernels
