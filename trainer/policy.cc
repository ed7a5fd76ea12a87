#include "trainer/policy.h"

#include <cmath>
#include <map>

#include "games/api/params.h"
#include "games/api/rng.h"

namespace arena::trainer {
namespace {

torch::Tensor uniform_tensor(Rng& rng, std::vector<std::int64_t> shape, double bound) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
  return torch::from_blob(v.data(), shape, torch::kFloat32).clone();
}

class MlpPolicy : public Policy {
 public:
  MlpPolicy(const PolicyConfig& config, std::shared_ptr<const GameSlots> slots) : Policy(config, std::move(slots)) {
    if (config_.hidden.empty()) throw Error("policy.hidden: an mlp needs at least one hidden layer");
    const auto& s = *slots_;
    for (int g = 0; g < s.size(); ++g)
      inputs_.push_back(register_module("in" + std::to_string(g), torch::nn::Linear(s.obs_size(g), config_.hidden[0])));
    for (size_t i = 1; i < config_.hidden.size(); ++i)
      trunk_.push_back(
          register_module("trunk" + std::to_string(i), torch::nn::Linear(config_.hidden[i - 1], config_.hidden[i])));
    for (int g = 0; g < s.size(); ++g)
      heads_.push_back(
          register_module("head" + std::to_string(g), torch::nn::Linear(config_.hidden.back(), s.num_actions(g))));
  }

  void reset_parameters(std::uint64_t seed) override {
    Rng rng(derive_seed(seed, 0x9011c7));
    torch::NoGradGuard guard;
    auto init = [&](torch::nn::Linear& l, double scale, bool zero_bias) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(l->weight.size(1)));
      l->weight.copy_(uniform_tensor(rng, l->weight.sizes().vec(), bound * scale));
      if (zero_bias) l->bias.zero_();
      else l->bias.copy_(uniform_tensor(rng, l->bias.sizes().vec(), bound));
    };
    for (auto& l : inputs_) init(l, 1.0, false);
    for (auto& l : trunk_) init(l, 1.0, false);
    for (auto& l : heads_) init(l, config_.output_init_scale, true);
  }

  torch::Tensor logits(const FeatureBatch& b) override {
    const auto& s = *slots_;
    const std::int64_t n = static_cast<std::int64_t>(b.size());
    const std::int64_t A = s.max_actions();
    std::vector<std::vector<std::int64_t>> rows(s.size());
    for (std::int64_t r = 0; r < n; ++r) rows[b.slot[r]].push_back(r);
    std::vector<torch::Tensor> outs;
    std::vector<std::int64_t> order;
    for (int g = 0; g < s.size(); ++g) {
      if (rows[g].empty()) continue;
      const std::int64_t k = static_cast<std::int64_t>(rows[g].size()), d = s.obs_size(g);
      std::vector<float> x(static_cast<size_t>(k * d));
      for (std::int64_t i = 0; i < k; ++i)
        std::copy_n(b.obs.begin() + b.obs_offset[rows[g][i]], d, x.begin() + i * d);
      auto h = torch::from_blob(x.data(), {k, d}, torch::kFloat32).to(device_, false, /*copy=*/true);
      h = act(inputs_[g]->forward(h));
      for (auto& l : trunk_) h = act(l->forward(h));
      auto out = heads_[g]->forward(h);
      if (s.num_actions(g) < A) out = torch::nn::functional::pad(out, torch::nn::functional::PadFuncOptions({0, A - s.num_actions(g)}));
      outs.push_back(out);
      order.insert(order.end(), rows[g].begin(), rows[g].end());
    }
    if (outs.empty()) return torch::zeros({0, A}, torch::TensorOptions().device(device_));
    auto cat = outs.size() == 1 ? outs[0] : torch::cat(outs, 0);
    // cat holds rows in slot order; put them back in batch order.
    std::vector<std::int64_t> inverse(static_cast<size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) inverse[order[i]] = i;
    bool identity = true;
    for (std::int64_t i = 0; i < n && identity; ++i) identity = inverse[i] == i;
    if (identity) return cat;
    auto idx = torch::from_blob(inverse.data(), {n}, torch::kInt64).to(device_, false, true);
    return cat.index_select(0, idx);
  }

 private:
  torch::Tensor act(const torch::Tensor& x) const {
    return config_.activation == "tanh" ? torch::tanh(x) : torch::relu(x);
  }
  std::vector<torch::nn::Linear> inputs_, trunk_, heads_;
};

class TabularSoftmaxPolicy : public Policy {
 public:
  TabularSoftmaxPolicy(const PolicyConfig& config, std::shared_ptr<const GameSlots> slots)
      : Policy(config, std::move(slots)) {
    if (!slots_->tabular()) throw Error("a tabular policy needs enumerated game trees");
    table_ = register_parameter("logits", torch::zeros({slots_->num_infosets(), slots_->max_actions()}));
  }
  void reset_parameters(std::uint64_t) override {
    torch::NoGradGuard guard;
    table_.zero_();
  }
  torch::Tensor logits(const FeatureBatch& b) override {
    std::vector<std::int64_t> idx(b.infoset.begin(), b.infoset.end());
    for (auto i : idx)
      if (i < 0) throw Error("tabular policy: a decision without an information-set index");
    auto t = torch::from_blob(idx.data(), {static_cast<std::int64_t>(idx.size())}, torch::kInt64).to(device_, false, true);
    return table_.index_select(0, t);
  }

 private:
  torch::Tensor table_;
};

}  // namespace

torch::Tensor legal_mask(const FeatureBatch& b, torch::Device device) {
  const std::int64_t n = static_cast<std::int64_t>(b.size());
  auto m = torch::from_blob(const_cast<std::uint8_t*>(b.legal.data()), {n, b.max_actions}, torch::kUInt8);
  return m.to(device).to(torch::kBool);
}

torch::Tensor Policy::log_probs(const FeatureBatch& batch) {
  auto l = logits(batch);
  auto mask = legal_mask(batch, device_);
  return torch::log_softmax(l.masked_fill(mask.logical_not(), -1e9), 1);
}

torch::Tensor masked_entropy(const torch::Tensor& log_probs, const torch::Tensor& mask) {
  auto p = log_probs.exp();
  return -torch::where(mask, p * log_probs, torch::zeros_like(log_probs)).sum(1);
}

void Policy::move_to(torch::Device d) {
  to(d);
  device_ = d;
}

std::vector<std::pair<std::string, torch::Tensor>> Policy::named_params() {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : named_parameters()) out.emplace_back(p.key(), p.value());
  return out;
}

nlohmann::json Policy::architecture() const {
  return {{"policy",
           {{"kind", config_.kind},
            {"hidden", config_.hidden},
            {"activation", config_.activation},
            {"output_init_scale", config_.output_init_scale}}},
          {"games", slots_->names()}};
}

std::shared_ptr<Policy> make_policy(const PolicyConfig& config, std::shared_ptr<const GameSlots> slots,
                                    std::uint64_t seed) {
  std::shared_ptr<Policy> p;
  if (config.kind == "mlp") p = std::make_shared<MlpPolicy>(config, std::move(slots));
  else if (config.kind == "tabular") p = std::make_shared<TabularSoftmaxPolicy>(config, std::move(slots));
  else throw Error("unknown policy kind '" + config.kind + "' (mlp, tabular)");
  p->reset_parameters(seed);
  return p;
}

std::shared_ptr<Policy> make_policy(const nlohmann::json& arch, std::uint64_t seed) {
  try {
    PolicyConfig c;
    const auto& p = arch.at("policy");
    c.kind = p.at("kind").get<std::string>();
    c.hidden = p.at("hidden").get<std::vector<std::int64_t>>();
    c.activation = p.at("activation").get<std::string>();
    c.output_init_scale = p.at("output_init_scale").get<double>();
    auto games = arch.at("games").get<std::vector<std::string>>();
    return make_policy(c, std::make_shared<GameSlots>(games, c.kind == "tabular"), seed);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("policy architecture is malformed: ") + e.what());
  }
}

void copy_parameters(Policy& from, Policy& to) {
  torch::NoGradGuard guard;
  auto a = from.named_params();
  auto b = to.named_params();
  if (a.size() != b.size()) throw Error("copy_parameters: the policies differ in architecture");
  for (size_t i = 0; i < a.size(); ++i) b[i].second.copy_(a[i].second);
}

AdamW::AdamW(std::vector<torch::Tensor> params, const OptimizerConfig& config)
    : params_(std::move(params)), config_(config) {
  for (auto& p : params_) {
    m_.push_back(torch::zeros_like(p));
    v_.push_back(torch::zeros_like(p));
  }
}

void AdamW::zero_grad() {
  for (auto& p : params_)
    if (p.grad().defined()) p.grad().zero_();
}

void AdamW::step(double lr) {
  torch::NoGradGuard guard;
  ++t_;
  const double b1 = config_.beta1, b2 = config_.beta2;
  const double c1 = 1.0 - std::pow(b1, static_cast<double>(t_)), c2 = 1.0 - std::pow(b2, static_cast<double>(t_));
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    if (!p.grad().defined()) continue;
    const auto& g = p.grad();
    if (config_.weight_decay > 0) p.mul_(1.0 - lr * config_.weight_decay);
    if (config_.name == "sgd") {
      p.add_(g, -lr);
      continue;
    }
    m_[i].mul_(b1).add_(g, 1.0 - b1);
    v_[i].mul_(b2).addcmul_(g, g, 1.0 - b2);
    auto denom = (v_[i] / c2).sqrt_().add_(config_.eps);
    p.addcdiv_(m_[i], denom, -lr / c1);
  }
}

torch::Tensor k3_kl(const torch::Tensor& ref_logp, const torch::Tensor& logp, double clamp) {
  auto d = ref_logp - logp;
  return torch::clamp(d.exp() - d - 1.0, -clamp, clamp);
}

torch::Tensor ppo_objective(const torch::Tensor& logp, const torch::Tensor& old_logp, const torch::Tensor& A,
                            const torch::Tensor& kl, const torch::Tensor& entropy, const torch::Tensor& weight,
                            const PpoConfig& c, PpoStats* stats) {
  auto log_ratio = logp - old_logp;
  auto ratio = log_ratio.exp();
  auto pg = torch::max(-A * ratio, -A * torch::clamp(ratio, 1.0 - c.clip, 1.0 + c.clip));
  if (c.dual_clip > 0) pg = torch::where(A < 0, torch::min(pg, -c.dual_clip * A), pg);
  auto agg = [&](const torch::Tensor& x) { return (x * weight).sum(); };
  auto pg_loss = agg(pg), kl_loss = agg(kl), ent_mean = agg(entropy);
  auto loss = pg_loss + c.kl_coef * kl_loss - c.entropy_coef * ent_mean;
  if (stats) {
    torch::NoGradGuard guard;
    stats->loss = loss.item<double>();
    stats->pg_loss = pg_loss.item<double>();
    stats->kl = kl_loss.item<double>();
    stats->entropy = ent_mean.item<double>();
    stats->clip_frac = ((ratio - 1.0).abs() > c.clip).to(torch::kFloat64).mean().item<double>();
    stats->approx_kl = (0.5 * log_ratio.pow(2)).mean().item<double>();
  }
  return loss;
}

torch::Tensor ppo_loss(const torch::Tensor& log_probs, const torch::Tensor& mask, const PpoInputs& in,
                       const PpoConfig& c, PpoStats* stats) {
  auto logp = log_probs.gather(1, in.actions.unsqueeze(1)).squeeze(1);
  torch::Tensor kl;
  if (c.kl_estimator == "full") {
    auto terms = log_probs.exp() * (log_probs - in.ref_logp);
    kl = torch::where(mask, terms, torch::zeros_like(terms)).sum(1);
  } else {
    kl = k3_kl(in.ref_logp, logp, c.kl_clamp);
  }
  return ppo_objective(logp, in.old_logp, in.advantage, kl, masked_entropy(log_probs, mask), in.weight, c, stats);
}

torch::Device training_device(const std::string& name) {
  if (!valid_device_name(name)) throw Error("device must be cpu, cuda or cuda:N, got '" + name + "'");
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (!torch::cuda::is_available())
    throw Error("device '" + name + "' was requested but this machine has no CUDA device (use \"cpu\")");
  const torch::Device device(name);
  const auto count = static_cast<int>(torch::cuda::device_count());
  if (device.has_index() && device.index() >= count)
    throw Error("device '" + name + "' was requested but this machine has " + std::to_string(count) +
                " CUDA device" + (count == 1 ? "" : "s"));
  return device;
}

}  // namespace arena::trainer
