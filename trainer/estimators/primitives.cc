#include "trainer/estimators/primitives.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace arena::estimators {

DenseKeys densify(std::initializer_list<std::span<const std::int64_t>> columns, std::size_t size) {
  std::vector<std::size_t> order(size);
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto less = [&](std::size_t a, std::size_t b) {
    for (const auto& c : columns)
      if (c[a] != c[b]) return c[a] < c[b];
    return false;
  };
  std::stable_sort(order.begin(), order.end(), less);  // stable: the first of equal tuples is the earliest element
  DenseKeys keys;
  keys.id.assign(size, 0);
  for (std::size_t i = 0; i < size; ++i) {
    if (i == 0 || less(order[i - 1], order[i])) keys.first.push_back(order[i]);
    keys.id[order[i]] = static_cast<std::int32_t>(keys.first.size() - 1);
  }
  return keys;
}

std::vector<Moments> segmented_moments(std::span<const std::int32_t> key, std::size_t num_keys,
                                       std::span<const double> value, std::span<const double> weight) {
  std::vector<Moments> out(num_keys);
  for (std::size_t i = 0; i < value.size(); ++i) {
    const double w = weight.empty() ? 1.0 : weight[i];
    if (!(w > 0)) continue;
    Moments& m = out[key[i]];
    m.count += 1;
    m.weight += w;
    const double delta = value[i] - m.mean;
    m.mean += delta * w / m.weight;
    m.m2 += w * delta * (value[i] - m.mean);
  }
  return out;
}

double variance(const Moments& m, int ddof) {
  const double denom = m.weight - ddof;
  return denom > 0 ? m.m2 / denom : 0.0;
}

double inverse_scale(double var, double eps, EpsMode mode) {
  switch (mode) {
    case EpsMode::kAddToStd: return 1.0 / (std::sqrt(var) + eps);
    case EpsMode::kAddToVar: return 1.0 / std::sqrt(var + eps);
    case EpsMode::kClampVar: return 1.0 / std::sqrt(std::max(var, eps));
  }
  return 0.0;
}

double zscore(double x, const Moments& m, const ZScoreOptions& options) {
  if (m.count == 0) return 0.0;
  if (m.count == 1) return options.singleton == Singleton::kZero ? 0.0 : x * inverse_scale(1.0, options.eps, options.eps_mode);
  if (m.m2 == 0 || m.weight - options.ddof <= 0) return 0.0;
  return (x - m.mean) * inverse_scale(variance(m, options.ddof), options.eps, options.eps_mode);
}

Whitening whitening(std::span<const double> value, std::span<const double> weight, int ddof, double eps,
                    EpsMode mode) {
  const std::vector<std::int32_t> key(value.size(), 0);
  const Moments m = segmented_moments(key, 1, value, weight)[0];
  Whitening w;
  if (m.weight - ddof <= 0 || m.m2 == 0) return w;
  w.degenerate = false;
  w.mean = m.mean;
  w.scale = inverse_scale(variance(m, ddof), eps, mode);
  return w;
}

void segmented_reverse_scan(std::span<const std::size_t> offsets, std::span<const double> x, double gamma,
                            std::span<double> y) {
  for (std::size_t s = 0; s + 1 < offsets.size(); ++s) {
    double carry = 0;
    for (std::size_t t = offsets[s + 1]; t-- > offsets[s];) {
      carry = x[t] + gamma * carry;
      y[t] = carry;
    }
  }
}

void segmented_gae(std::span<const std::size_t> offsets, std::span<const double> reward, std::span<const double> value,
                   double gamma, double lambda, std::span<double> advantage, std::span<double> returns) {
  for (std::size_t s = 0; s + 1 < offsets.size(); ++s) {
    double a = 0, next_value = 0;
    for (std::size_t t = offsets[s + 1]; t-- > offsets[s];) {
      const double v = value[t];
      const double delta = reward[t] + gamma * next_value - v;
      a = delta + gamma * lambda * a;
      advantage[t] = a;
      returns[t] = a + v;
      next_value = v;
    }
  }
}

std::vector<DistinctStats> distinct_value_mean(std::span<const std::int32_t> key, std::size_t num_keys,
                                               std::span<const double> value, double tolerance,
                                               std::optional<double> extra) {
  std::vector<std::vector<double>> members(num_keys);
  for (std::size_t i = 0; i < value.size(); ++i) members[key[i]].push_back(value[i]);
  std::vector<DistinctStats> out(num_keys);
  for (std::size_t k = 0; k < num_keys; ++k) {
    auto& v = members[k];
    if (extra) v.push_back(*extra);
    std::sort(v.begin(), v.end());
    std::vector<double> distinct;
    for (double x : v)
      if (distinct.empty() || std::fabs(x - distinct.back()) > tolerance * std::max(1.0, std::fabs(distinct.back())))
        distinct.push_back(x);
    const std::vector<std::int32_t> one(distinct.size(), 0);
    const Moments m = segmented_moments(one, 1, distinct)[0];
    out[k].count = m.count;
    out[k].mean = m.mean;
    out[k].std = m.count > 1 ? std::sqrt(variance(m, 1)) : 0.0;
  }
  return out;
}

void segmented_ema_scan(std::span<const std::int32_t> key, std::span<const double> x, double alpha,
                        std::span<double> table, std::span<double> pre, std::span<double> post) {
  for (std::size_t j = 0; j < x.size(); ++j) {
    double& b = table[key[j]];
    pre[j] = b;
    b = alpha * b + (1.0 - alpha) * x[j];
    post[j] = b;
  }
}

}  // namespace arena::estimators
