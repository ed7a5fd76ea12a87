// Policies over tensor observations (LibTorch). Include only from torch translation units.
//
// A Policy maps a FeatureBatch to logits over the padded action space [rows, max_actions]; log_probs() applies the
// legal-action mask (illegal actions get probability 0). Two kinds:
//   mlp     — one input layer per game slot (observation sizes differ), a shared trunk of hidden layers, one output
//             head per slot (action counts differ; padded columns are masked). Shared trunk = one policy for every
//             game of the mixture.
//   tabular — one row of logits per information set of each slot's enumerated game tree (exact small-game studies).
// Parameters are initialised from the run seed with Arena's own RNG (not torch's), so the same seed gives the same
// initial policy on every machine: weights and biases ~ U(−1/√fan_in, 1/√fan_in), output heads scaled by
// output_init_scale with zero bias; tabular logits start at 0 (uniform).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "trainer/aggregation.h"
#include "trainer/config.h"
#include "trainer/features.h"

namespace arena::trainer {

class Policy : public torch::nn::Module {
 public:
  Policy(PolicyConfig config, std::shared_ptr<const GameSlots> slots)
      : config_(std::move(config)), slots_(std::move(slots)) {}
  virtual torch::Tensor logits(const FeatureBatch& batch) = 0;
  virtual void reset_parameters(std::uint64_t seed) = 0;

  // Masked log-probabilities [rows, max_actions]; illegal entries are −1e9-ish (probability 0).
  torch::Tensor log_probs(const FeatureBatch& batch);
  const GameSlots& slots() const { return *slots_; }
  std::shared_ptr<const GameSlots> slots_ptr() const { return slots_; }
  const PolicyConfig& config() const { return config_; }
  torch::Device device() const { return device_; }
  void move_to(torch::Device d);
  // Parameters by stable name, in a fixed order.
  std::vector<std::pair<std::string, torch::Tensor>> named_params();
  // The JSON that rebuilds this policy's architecture: {"policy": {...}, "games": [...]}.
  nlohmann::json architecture() const;

 protected:
  PolicyConfig config_;
  std::shared_ptr<const GameSlots> slots_;
  torch::Device device_ = torch::kCPU;
};

std::shared_ptr<Policy> make_policy(const PolicyConfig& config, std::shared_ptr<const GameSlots> slots,
                                    std::uint64_t seed);
// Rebuilds from architecture() (the games are loaded again).
std::shared_ptr<Policy> make_policy(const nlohmann::json& architecture, std::uint64_t seed = 0);

torch::Tensor legal_mask(const FeatureBatch& batch, torch::Device device);  // bool [rows, max_actions]
// Entropy per row of masked log-probabilities.
torch::Tensor masked_entropy(const torch::Tensor& log_probs, const torch::Tensor& mask);

// Copies every parameter of `from` into `to` (same architecture).
void copy_parameters(Policy& from, Policy& to);

// The device a training run asked for (valid_device_name), checked against this machine: an arena::Error for a
// malformed name, a CUDA device on a machine without one, or an index past its devices.
torch::Device training_device(const std::string& name);

// AdamW with decoupled weight decay, written out so its state is plain tensors (exactly checkpointable):
//   m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  p ← p − lr·wd·p − lr · (m/(1−β1^t)) / (√(v/(1−β2^t)) + ε)
// With optimizer.name = sgd it takes plain steps p ← p − lr·wd·p − lr·g (its moments stay zero).
class AdamW {
 public:
  AdamW(std::vector<torch::Tensor> params, const OptimizerConfig& config);
  void step(double lr);
  void zero_grad();
  std::int64_t steps() const { return t_; }
  void set_steps(std::int64_t t) { t_ = t; }
  std::vector<torch::Tensor>& m() { return m_; }
  std::vector<torch::Tensor>& v() { return v_; }

 private:
  std::vector<torch::Tensor> params_, m_, v_;
  OptimizerConfig config_;
  std::int64_t t_ = 0;
};

// The PPO objective over one minibatch of turns.
//   ratio = exp(logp − old_logp); pg = max(−A·ratio, −A·clip(ratio, 1−ε, 1+ε));
//   dual-clip (c > 1): pg = min(pg, −c·A) where A < 0;
//   k3 = exp(ref − logp) − (ref − logp) − 1, clamped to ±kl_clamp (kl_estimator k3, MARS), or the exact
//   KL(π‖ref) = Σ_a π(a)(log π(a) − log ref(a)) over the legal actions of the turn (kl_estimator full);
//   loss = agg(pg) + kl_coef·agg(k3) − entropy_coef·agg(H)
// agg over turns with per-row weights: token-mean 1/N; seq-mean-token-mean 1/(S·len(seq)); seq-mean-token-sum 1/S;
// seq-mean-token-sum-norm 1/(S·horizon), S = trajectories in the minibatch (a trajectory is a "sequence").
struct PpoInputs {
  torch::Tensor actions;    // long [N]
  torch::Tensor old_logp;   // [N]
  torch::Tensor ref_logp;   // [N] (k3), or [N, A] log-probabilities of every action (full)
  torch::Tensor advantage;  // [N]
  torch::Tensor weight;     // [N] aggregation weights (see agg_weights)
};
struct PpoStats {
  double loss = 0, pg_loss = 0, kl = 0, entropy = 0, clip_frac = 0, approx_kl = 0;
};
torch::Tensor ppo_loss(const torch::Tensor& log_probs, const torch::Tensor& mask, const PpoInputs& in,
                       const PpoConfig& config, PpoStats* stats);
// The same objective on per-row log-probabilities `logp` (an action, or a token of a language model's response):
// `kl` and `entropy` per row, `weight` the aggregation weights; stats' clip_frac and approx_kl are means over rows.
torch::Tensor ppo_objective(const torch::Tensor& logp, const torch::Tensor& old_logp, const torch::Tensor& advantage,
                            const torch::Tensor& kl, const torch::Tensor& entropy, const torch::Tensor& weight,
                            const PpoConfig& config, PpoStats* stats);
// k3 = exp(ref − logp) − (ref − logp) − 1, clamped to ±clamp.
torch::Tensor k3_kl(const torch::Tensor& ref_logp, const torch::Tensor& logp, double clamp);

}  // namespace arena::trainer
