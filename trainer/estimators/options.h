// Estimator options: a JSON object read option by option against a default and an allowed set.
//
// Every option has a default; a value of the wrong type or outside its allowed set, and an option the estimator does
// not read (a misspelling, or one that belongs to another mode), is an arena::Error naming the estimator, the option
// and what is allowed. finish() returns the resolved options, defaults filled in, so a run can log exactly what it
// used.
#pragma once

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace arena::estimators {

class OptionReader {
 public:
  // `context` names the estimator in messages, e.g. "mars(mode=code)". `options` must be an object (null = {}).
  OptionReader(std::string context, const nlohmann::json& options);

  double number(const std::string& name, double def, double min = -std::numeric_limits<double>::infinity(),
                double max = std::numeric_limits<double>::infinity());
  std::int64_t integer(const std::string& name, std::int64_t def, std::int64_t min, std::int64_t max);
  bool boolean(const std::string& name, bool def);
  std::string choice(const std::string& name, const std::string& def, const std::vector<std::string>& choices);

  // Refuses options that were never read; returns every read option with its value.
  nlohmann::json finish() const;

  [[noreturn]] void fail(const std::string& name, const std::string& expected, const nlohmann::json& got) const;
  const std::string& context() const { return context_; }
  // Names a mode in later messages, e.g. "mars" → "mars(mode=code)" once the mode is known.
  void set_context(std::string context) { context_ = std::move(context); }

 private:
  const nlohmann::json* find(const std::string& name);

  std::string context_;
  nlohmann::json options_;
  std::set<std::string> read_;
  nlohmann::json resolved_ = nlohmann::json::object();
};

// How a z-score (x − μ)/σ treats ε, degrees of freedom and one-sample groups; shared by every estimator that divides
// by a standard deviation.
enum class EpsMode {
  kAddToStd,  // (x − μ) / (σ + ε)
  kAddToVar,  // (x − μ) / sqrt(σ² + ε)
  kClampVar,  // (x − μ) / sqrt(max(σ², ε))
};
enum class Singleton {
  kRaw,   // a one-sample group is normalized with μ = 0, σ = 1 (the ε rule still applies): x/(1+ε) for add_to_std
  kZero,  // a one-sample group gets 0
};
struct ZScoreOptions {
  int ddof = 1;  // σ² = M2 / (n − ddof); ddof ∈ {0, 1}
  double eps = 1e-6;
  EpsMode eps_mode = EpsMode::kAddToStd;
  Singleton singleton = Singleton::kRaw;
};

// Reads `ddof`, `eps`, `eps_mode` and (when `with_singleton`) `singleton`, defaulting to `defaults`.
ZScoreOptions read_zscore_options(OptionReader& reader, const ZScoreOptions& defaults, bool with_singleton = true);
Singleton read_singleton(OptionReader& reader, Singleton def);

// The unit the outcome estimators score: a whole trajectory (score = Σ_k r_k, every turn of the trajectory gets the
// trajectory's advantage; statistics count each trajectory once) or a single turn (score = Σ_{k'≥k} r_{k'}, its
// undiscounted reward-to-go; statistics count each turn once).
enum class SampleUnit { kTrajectory, kTurn };
SampleUnit read_unit(OptionReader& reader);

}  // namespace arena::estimators
