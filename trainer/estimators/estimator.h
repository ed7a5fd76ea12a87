// The advantage-estimator interface and registry.
//
//   auto est = arena::estimators::make_estimator("grpo", {{"eps", 1e-4}});
//   EstimatorOutput out = est->compute(batch);   // out.advantage[i], out.returns[i] for turn row i
//
// Estimators are created by name from a JSON object of options; every option has a default and an unknown or
// invalid option is an arena::Error naming it and the allowed values. Stateful estimators (rae, spo_single) keep
// state across compute() calls; save_state() / load_state() round-trip it through JSON exactly (doubles are written
// with round-trip precision), so a resumed run computes the same advantages as an uninterrupted one.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "trainer/estimators/turn_batch.h"

namespace arena::estimators {

struct EstimatorOutput {
  std::vector<double> advantage;  // per turn, in the batch's row order
  std::vector<double> returns;    // per turn: the return the advantage was derived from (each estimator says which)
  std::vector<std::uint8_t> keep; // per turn: 1 = train on it, 0 = the estimator asks to drop it
};

class AdvantageEstimator {
 public:
  virtual ~AdvantageEstimator() = default;

  virtual std::string name() const = 0;
  // The resolved options (defaults filled in).
  virtual const nlohmann::json& options() const = 0;
  // Advantages for one batch. An empty batch gives empty outputs and leaves any state unchanged.
  virtual EstimatorOutput compute(const TurnBatch& batch) = 0;

  virtual bool stateful() const { return false; }
  // Stateless estimators save null and accept only null.
  virtual nlohmann::json save_state() const { return nullptr; }
  virtual void load_state(const nlohmann::json& state);

  // Called after the policy update of the step whose batch was last computed, with the policy's divergence measured
  // per group (spo_single's D_x). Estimators that do not track the policy ignore it.
  virtual void observe_policy_shift(std::span<const std::int64_t> group, std::span<const double> divergence) {}
};

// Names, in the order listed: mars, grpo, dr_grpo, rloo, reinforce_pp, reinforce_pp_baseline, rae, spo_single,
// stratified, bnpo.
std::vector<std::string> estimator_names();

// arena::Error for an unknown name (listing the names) or bad options.
std::unique_ptr<AdvantageEstimator> make_estimator(std::string_view name,
                                                   const nlohmann::json& options = nlohmann::json::object());

// An output of the right size with keep = 1 everywhere (advantage and returns 0).
EstimatorOutput make_output(std::size_t turns);

// Base for estimators whose options are stored once at construction.
class EstimatorBase : public AdvantageEstimator {
 public:
  const nlohmann::json& options() const override { return options_; }

 protected:
  nlohmann::json options_;
};

// Helpers for reading saved state: arena::Error naming the estimator and the field.
const nlohmann::json& state_field(const nlohmann::json& state, const std::string& estimator, const std::string& field);
void check_state_header(const nlohmann::json& state, const std::string& estimator);

}  // namespace arena::estimators
