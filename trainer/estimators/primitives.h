// The estimator primitives: the few keyed and segmented operations every estimator is built from. They work on flat
// arrays with dense keys, accumulate in double and visit elements in input order, so results are deterministic and
// a GPU kernel with the same semantics can be checked against them element by element.
//
//   densify                  labels → dense ids 0..K−1 (ascending label order, lexicographic for tuples)
//   segmented_moments        per key: n, W = Σw, weighted mean and M2 = Σ w (x − mean)² (West's update)
//   zscore                   (x − μ_k)/σ_k with the ddof / ε / singleton / zero-variance rules below
//   whitening                one global weighted (x − μ)·s, s from the ε rule, over all elements
//   segmented_reverse_scan   y_t = x_t + γ·y_{t+1} inside each segment, y = x at a segment's last element
//   segmented_gae            generalized advantage estimation per segment (an episode per segment)
//   distinct_value_mean      per key: mean and std of the SET of distinct values (with a tolerance), plus an extra
//   segmented_ema_scan       per key, in input order: pre = b, b ← α·b + (1−α)·x, post = b
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <vector>

#include "trainer/estimators/options.h"

namespace arena::estimators {

struct DenseKeys {
  std::vector<std::int32_t> id;         // per element
  std::vector<std::size_t> first;       // per key: the first element (input order) holding it
  std::size_t count() const { return first.size(); }
};

// Dense ids of the tuples (columns[0][i], columns[1][i], ...), numbered in lexicographic order of the tuples. All
// columns have the same length; no columns means one key for everything.
DenseKeys densify(std::initializer_list<std::span<const std::int64_t>> columns, std::size_t size);

struct Moments {
  std::int64_t count = 0;  // elements with positive weight
  double weight = 0;       // W = Σ w
  double mean = 0;         // Σ w x / W
  double m2 = 0;           // Σ w (x − mean)²
};

// Weighted moments per key, accumulated in input order in double:
//   W ← W + w;  δ = x − mean;  mean ← mean + δ·w/W;  M2 ← M2 + w·δ·(x − mean)
// This keeps the mean of a constant key exactly equal to the constant and its M2 exactly 0 (no Σx² − (Σx)²/n
// cancellation). Empty `weight` means w = 1; elements with w = 0 are skipped; weights must be ≥ 0.
std::vector<Moments> segmented_moments(std::span<const std::int32_t> key, std::size_t num_keys,
                                       std::span<const double> value, std::span<const double> weight = {});

// Variance M2 / (W − ddof); 0 when W − ddof ≤ 0.
double variance(const Moments& m, int ddof);

// 1/σ under an ε rule: add_to_std 1/(√var + ε), add_to_var 1/√(var + ε), clamp_var 1/√max(var, ε).
double inverse_scale(double var, double eps, EpsMode mode);

// z = (x − μ)·inverse_scale(σ²) for x's key, with the defined degenerate cases:
//   no sample with weight > 0 → 0;  one sample → singleton rule (raw: x·inverse_scale(1), zero: 0);
//   M2 = 0 (all equal) → 0, whatever ε is.
double zscore(double x, const Moments& m, const ZScoreOptions& options);

// Global weighted whitening (x − μ)·s with s = inverse_scale(M2/(W − ddof)). Degenerate (W − ddof ≤ 0, or M2 = 0)
// maps every value to 0.
struct Whitening {
  double mean = 0;
  double scale = 0;
  bool degenerate = true;
  double apply(double x) const { return degenerate ? 0.0 : (x - mean) * scale; }
};
Whitening whitening(std::span<const double> value, std::span<const double> weight, int ddof, double eps,
                    EpsMode mode);

// y_t = x_t + γ·y_{t+1} within each segment [offsets[s], offsets[s+1]) of x; offsets has S+1 entries, starts at 0 and
// ends at x.size(). x and y may alias.
void segmented_reverse_scan(std::span<const std::size_t> offsets, std::span<const double> x, double gamma,
                            std::span<double> y);

// GAE (Schulman et al. 2016) per segment, each segment one episode that ends at its last element (V after it is 0):
//   δ_t = r_t + γ·V_{t+1} − V_t,  A_t = δ_t + γλ·A_{t+1},  ret_t = A_t + V_t.
void segmented_gae(std::span<const std::size_t> offsets, std::span<const double> reward, std::span<const double> value,
                   double gamma, double lambda, std::span<double> advantage, std::span<double> returns);

// Per key, the set U of distinct values among its elements plus `extra` (when given, for every key, even a key
// without elements). Values are sorted; a value joins the current distinct value u when |x − u| ≤ tol·max(1, |u|),
// else it starts a new one (u = the smallest member). mean = Σ_U u / |U|, std = ddof-1 std over U (0 when |U| = 1).
struct DistinctStats {
  std::int64_t count = 0;
  double mean = 0;
  double std = 0;
};
std::vector<DistinctStats> distinct_value_mean(std::span<const std::int32_t> key, std::size_t num_keys,
                                               std::span<const double> value, double tolerance,
                                               std::optional<double> extra);

// Exponential moving average per key over the elements in input order, state in `table` (one value per key, updated
// in place): pre[j] = b_k, b_k ← α·b_k + (1−α)·x[j], post[j] = b_k. A GPU version is a segmented affine scan over
// the elements stably sorted by key.
void segmented_ema_scan(std::span<const std::int32_t> key, std::span<const double> x, double alpha,
                        std::span<double> table, std::span<double> pre, std::span<double> post);

}  // namespace arena::estimators
