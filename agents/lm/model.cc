#include "agents/lm/model.h"

#include <cmath>

#include "games/api/params.h"
#include "games/api/rng.h"

namespace arena::lm {
namespace {

namespace F = torch::nn::functional;

torch::Tensor rotate_half(const torch::Tensor& x) {
  const auto half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

torch::Tensor proj(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b = {}) {
  return b.defined() ? torch::nn::functional::linear(x, w, b) : torch::matmul(x, w.t());
}

}  // namespace

KvCache KvCache::select_rows(const torch::Tensor& rows) const {
  KvCache out;
  out.length = length;
  out.key_valid = key_valid.index_select(0, rows);
  for (size_t l = 0; l < k.size(); ++l) {
    out.k.push_back(k[l].index_select(0, rows));
    out.v.push_back(v[l].index_select(0, rows));
  }
  return out;
}

Qwen3Model::Qwen3Model(ModelConfig config, torch::Device device, torch::ScalarType dtype)
    : config_(std::move(config)), device_(device), dtype_(dtype) {
  const auto& c = config_;
  auto opts = torch::TensorOptions().dtype(dtype).device(device);
  const std::int64_t d = c.hidden_size, hd = c.head_dim, q = std::int64_t(c.num_attention_heads) * hd,
                     kv = std::int64_t(c.num_key_value_heads) * hd, ff = c.intermediate_size;
  embed_ = torch::zeros({c.vocab_size, d}, opts);
  final_norm_ = torch::ones({d}, opts);
  if (!c.tie_word_embeddings) lm_head_ = torch::zeros({c.vocab_size, d}, opts);
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    Layer L;
    L.input_norm = torch::ones({d}, opts);
    L.post_norm = torch::ones({d}, opts);
    L.q_proj = torch::zeros({q, d}, opts);
    L.k_proj = torch::zeros({kv, d}, opts);
    L.v_proj = torch::zeros({kv, d}, opts);
    L.o_proj = torch::zeros({d, q}, opts);
    L.q_norm = torch::ones({hd}, opts);
    L.k_norm = torch::ones({hd}, opts);
    L.gate_proj = torch::zeros({ff, d}, opts);
    L.up_proj = torch::zeros({ff, d}, opts);
    L.down_proj = torch::zeros({d, ff}, opts);
    if (c.attention_bias) {
      L.q_bias = torch::zeros({q}, opts);
      L.k_bias = torch::zeros({kv}, opts);
      L.v_bias = torch::zeros({kv}, opts);
      L.o_bias = torch::zeros({d}, opts);
    }
    layers_.push_back(std::move(L));
  }
  // Exactly HF's fp32 arithmetic: 1 / θ^(arange(0, hd, 2) / hd) (a float64 power differs by an ulp in places, which
  // shows in cos/sin at positions in the thousands).
  auto exponents = torch::arange(0, hd, 2, torch::TensorOptions().dtype(torch::kLong)).to(torch::kFloat32) /
                   static_cast<float>(hd);
  inv_freq_ = (1.0 / torch::pow(c.rope_theta, exponents)).to(torch::kFloat32).to(device);
  build_names();
}

void Qwen3Model::build_names() {
  named_.clear();
  named_.emplace_back("model.embed_tokens.weight", embed_);
  for (size_t i = 0; i < layers_.size(); ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    Layer& L = layers_[i];
    named_.emplace_back(p + "input_layernorm.weight", L.input_norm);
    named_.emplace_back(p + "self_attn.q_proj.weight", L.q_proj);
    if (L.q_bias.defined()) named_.emplace_back(p + "self_attn.q_proj.bias", L.q_bias);
    named_.emplace_back(p + "self_attn.k_proj.weight", L.k_proj);
    if (L.k_bias.defined()) named_.emplace_back(p + "self_attn.k_proj.bias", L.k_bias);
    named_.emplace_back(p + "self_attn.v_proj.weight", L.v_proj);
    if (L.v_bias.defined()) named_.emplace_back(p + "self_attn.v_proj.bias", L.v_bias);
    named_.emplace_back(p + "self_attn.o_proj.weight", L.o_proj);
    if (L.o_bias.defined()) named_.emplace_back(p + "self_attn.o_proj.bias", L.o_bias);
    named_.emplace_back(p + "self_attn.q_norm.weight", L.q_norm);
    named_.emplace_back(p + "self_attn.k_norm.weight", L.k_norm);
    named_.emplace_back(p + "post_attention_layernorm.weight", L.post_norm);
    named_.emplace_back(p + "mlp.gate_proj.weight", L.gate_proj);
    named_.emplace_back(p + "mlp.up_proj.weight", L.up_proj);
    named_.emplace_back(p + "mlp.down_proj.weight", L.down_proj);
  }
  named_.emplace_back("model.norm.weight", final_norm_);
  if (lm_head_.defined()) named_.emplace_back("lm_head.weight", lm_head_);
}

std::vector<torch::Tensor> Qwen3Model::parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& [name, t] : named_) out.push_back(t);
  return out;
}

void Qwen3Model::set_requires_grad(bool on) {
  for (auto& [name, t] : named_) t.set_requires_grad(on);
}

void Qwen3Model::init_random(std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  Rng rng(seed);
  const double std = config_.initializer_range;
  // Box–Muller over Arena's RNG: the same weights on every machine and torch build.
  auto normal = [&](std::vector<float>& out) {
    for (size_t i = 0; i < out.size(); i += 2) {
      const double u1 = (static_cast<double>(rng.next() >> 11) + 1.0) * 0x1.0p-53;
      const double u2 = static_cast<double>(rng.next() >> 11) * 0x1.0p-53;
      const double r = std::sqrt(-2.0 * std::log(u1));
      out[i] = static_cast<float>(std * r * std::cos(2 * M_PI * u2));
      if (i + 1 < out.size()) out[i + 1] = static_cast<float>(std * r * std::sin(2 * M_PI * u2));
    }
  };
  for (auto& [name, t] : named_) {
    const bool is_norm = name.find("norm") != std::string::npos;
    const bool is_bias = name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    if (is_norm) {
      t.fill_(1.0);
    } else if (is_bias) {
      t.zero_();
    } else {
      std::vector<float> values(static_cast<size_t>(t.numel()));
      normal(values);
      t.copy_(torch::from_blob(values.data(), t.sizes(), torch::kFloat32).to(t.device(), t.scalar_type()));
    }
  }
}

void Qwen3Model::to(torch::Device device, torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  auto move = [&](torch::Tensor& t) {
    if (t.defined()) t = t.to(device, dtype).detach();
  };
  move(embed_);
  move(final_norm_);
  move(lm_head_);
  for (auto& L : layers_)
    for (torch::Tensor* t : {&L.input_norm, &L.q_proj, &L.k_proj, &L.v_proj, &L.o_proj, &L.q_norm, &L.k_norm,
                             &L.post_norm, &L.gate_proj, &L.up_proj, &L.down_proj, &L.q_bias, &L.k_bias, &L.v_bias,
                             &L.o_bias})
      move(*t);
  inv_freq_ = inv_freq_.to(device);
  device_ = device;
  dtype_ = dtype;
  fused_.clear();
  build_names();
}

KvCache Qwen3Model::make_cache(std::int64_t batch, std::int64_t capacity) const {
  KvCache c;
  auto opts = torch::TensorOptions().dtype(dtype_).device(device_);
  for (int i = 0; i < config_.num_hidden_layers; ++i) {
    c.k.push_back(torch::zeros({batch, config_.num_key_value_heads, capacity, config_.head_dim}, opts));
    c.v.push_back(torch::zeros({batch, config_.num_key_value_heads, capacity, config_.head_dim}, opts));
  }
  c.key_valid = torch::zeros({batch, capacity}, torch::TensorOptions().dtype(torch::kBool).device(device_));
  return c;
}

torch::Tensor Qwen3Model::rms_norm(const torch::Tensor& x, const torch::Tensor& w) const {
  // LibTorch's fused RMSNorm (one kernel on CUDA) accumulates in fp32 like HF; in bf16 it applies the weight before
  // rounding where HF rounds first, a difference below bf16's resolution.
  return at::rms_norm(x, {x.size(-1)}, w, config_.rms_norm_eps);
}

torch::Tensor Qwen3Model::attention(Layer& L, int index, const torch::Tensor& x, const torch::Tensor& cos,
                                    const torch::Tensor& sin, const torch::Tensor& mask, KvCache* cache,
                                    const torch::Tensor* slot) {
  const auto B = x.size(0), T = x.size(1);
  const int H = config_.num_attention_heads, KV = config_.num_key_value_heads, hd = config_.head_dim;
  auto q = proj(x, L.q_proj, L.q_bias).view({B, T, H, hd});
  auto k = proj(x, L.k_proj, L.k_bias).view({B, T, KV, hd});
  auto v = proj(x, L.v_proj, L.v_bias).view({B, T, KV, hd}).transpose(1, 2);
  q = rms_norm(q, L.q_norm).transpose(1, 2);  // [B, H, T, hd]
  k = rms_norm(k, L.k_norm).transpose(1, 2);
  // HF applies the rotation in the model dtype with cos/sin cast to it.
  q = q * cos + rotate_half(q) * sin;
  k = k * cos + rotate_half(k) * sin;
  torch::Tensor keys = k, values = v;
  if (prefill_row_ >= 0) {
    cache->k[index].narrow(0, prefill_row_, 1).narrow(2, prefill_begin_, T).copy_(k);
    cache->v[index].narrow(0, prefill_row_, 1).narrow(2, prefill_begin_, T).copy_(v);
  } else if (slot) {
    cache->k[index].index_copy_(2, *slot, k);
    cache->v[index].index_copy_(2, *slot, v);
    keys = cache->k[index];
    values = cache->v[index];
  } else if (cache) {
    cache->k[index].narrow(2, cache->length, T).copy_(k);
    cache->v[index].narrow(2, cache->length, T).copy_(v);
    keys = cache->k[index].narrow(2, 0, cache->length + T);
    values = cache->v[index].narrow(2, 0, cache->length + T);
  }
  const double scale = 1.0 / std::sqrt(double(hd));
  torch::Tensor out;
  if (T == 1 && KV != H) {
    // One new token per row: the H / KV query heads of a kv head become that many query rows against the same keys
    // and mask, so attention runs as plain multi-head attention on KV heads (no key/value copies, and the fused
    // kernels apply, which they do not with grouped heads and a mask).
    auto grouped = q.reshape({B, KV, H / KV, hd});
    const auto m = mask.defined() ? std::optional<at::Tensor>(mask) : std::nullopt;  // none: a one-token prefill
    out = at::scaled_dot_product_attention(grouped, keys, values, m, 0.0, false, scale).reshape({B, H, 1, hd});
  } else if (!mask.defined()) {
    // Causal attention over whole right-padded rows (no cache): no mask tensor, so the fused memory-efficient
    // kernels apply and no [T, T] score matrix is materialized. Key/value heads are repeated for the query groups.
    if (KV != H) {
      keys = keys.repeat_interleave(H / KV, 1);
      values = values.repeat_interleave(H / KV, 1);
    }
    out = at::scaled_dot_product_attention(q, keys, values, {}, 0.0, /*is_causal=*/true, scale);
  } else {
    out = at::scaled_dot_product_attention(q, keys, values, mask, 0.0, false, scale, /*enable_gqa=*/KV != H);
  }
  out = out.transpose(1, 2).reshape({B, T, std::int64_t(H) * hd});
  return proj(out, L.o_proj, L.o_bias);
}

torch::Tensor Qwen3Model::hidden_states(const torch::Tensor& ids, const torch::Tensor& positions,
                                        const torch::Tensor& valid, KvCache* cache) {
  const auto B = ids.size(0), T = ids.size(1);
  const std::int64_t past = cache ? cache->length : 0;
  if (cache && (cache->batch() != B || past + T > cache->capacity()))
    throw Error("KV cache of " + std::to_string(cache->batch()) + " rows x " + std::to_string(cache->capacity()) +
                " slots cannot take " + std::to_string(B) + " rows x " + std::to_string(past + T) + " tokens");
  // Which keys each new query may see: earlier-or-same slot (causal) and a real token. A query always sees its own
  // slot, so a padding query's row is never fully masked (its output is unused).
  torch::Tensor key_valid;
  if (cache) {
    cache->key_valid.narrow(1, past, T).copy_(valid);
    key_valid = cache->key_valid.narrow(1, 0, past + T);
  } else {
    key_valid = valid;
  }
  auto qpos = torch::arange(past, past + T, torch::TensorOptions().dtype(torch::kLong).device(device_));
  auto kpos = torch::arange(0, past + T, torch::TensorOptions().dtype(torch::kLong).device(device_));
  auto causal = kpos.unsqueeze(0) <= qpos.unsqueeze(1);                 // [T, K]
  auto self = kpos.unsqueeze(0) == qpos.unsqueeze(1);
  auto mask = (causal.unsqueeze(0) & key_valid.unsqueeze(1)) | self.unsqueeze(0);  // [B, T, K]
  mask = mask.unsqueeze(1);                                            // [B, 1, T, K]

  auto out = layers_forward(F::embedding(ids, embed_), positions, mask, cache, nullptr);
  if (cache) cache->length = past + T;
  return out;
}

torch::Tensor Qwen3Model::prefill_row(const torch::Tensor& ids, const torch::Tensor& positions, KvCache& cache,
                                      std::int64_t row, std::int64_t begin) {
  const auto L = ids.size(1);
  if (ids.size(0) != 1 || row < 0 || row >= cache.batch() || begin < 0 || begin + L > cache.capacity())
    throw Error("prefill_row: " + std::to_string(L) + " tokens do not fit row " + std::to_string(row) + " from slot " +
                std::to_string(begin) + " of a cache of " + std::to_string(cache.batch()) + " x " +
                std::to_string(cache.capacity()));
  cache.key_valid.narrow(0, row, 1).narrow(1, begin, L).fill_(true);
  prefill_row_ = row;
  prefill_begin_ = begin;
  try {
    auto out = layers_forward(F::embedding(ids, embed_), positions, torch::Tensor(), &cache, nullptr);
    prefill_row_ = -1;
    return out;
  } catch (...) {
    prefill_row_ = -1;
    throw;
  }
}

torch::Tensor Qwen3Model::causal_hidden_states(const torch::Tensor& ids, const torch::Tensor& positions) {
  return layers_forward(F::embedding(ids, embed_), positions, torch::Tensor(), nullptr, nullptr);
}

torch::Tensor Qwen3Model::layers_forward(torch::Tensor x, const torch::Tensor& positions, const torch::Tensor& mask,
                                         KvCache* cache, const torch::Tensor* slot) {
  // Rotary tables for these positions, fp32, then cast like HF.
  auto freqs = positions.to(torch::kFloat32).unsqueeze(-1) * inv_freq_;  // [B, T, hd/2]
  auto emb = torch::cat({freqs, freqs}, -1);
  auto cos = emb.cos().to(dtype_).unsqueeze(1);  // [B, 1, T, hd]
  auto sin = emb.sin().to(dtype_).unsqueeze(1);
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& L = layers_[i];
    x = x + attention(L, static_cast<int>(i), rms_norm(x, L.input_norm), cos, sin, mask, cache, slot);
    auto h = rms_norm(x, L.post_norm);
    x = x + proj(torch::silu(proj(h, L.gate_proj)) * proj(h, L.up_proj), L.down_proj);
  }
  return rms_norm(x, final_norm_);
}

void Qwen3Model::prepare_decode() {
  torch::NoGradGuard no_grad;
  fused_.clear();
  const int H = config_.num_attention_heads, KV = config_.num_key_value_heads;
  for (const auto& L : layers_) {
    Fused f;
    f.qkv = torch::cat({L.q_proj, L.k_proj, L.v_proj}, 0).detach();
    if (L.q_bias.defined()) f.qkv_bias = torch::cat({L.q_bias, L.k_bias, L.v_bias}, 0).detach();
    f.gate_up = torch::cat({L.gate_proj, L.up_proj}, 0).detach();
    f.qk_norm = torch::cat({L.q_norm.unsqueeze(0).expand({H, -1}), L.k_norm.unsqueeze(0).expand({KV, -1})}, 0).detach();
    fused_.push_back(std::move(f));
  }
}

torch::Tensor Qwen3Model::decode_layer(size_t index, const torch::Tensor& x, const torch::Tensor& cos,
                                       const torch::Tensor& sin_signed, const torch::Tensor& mask, KvCache& cache,
                                       const torch::Tensor& slot) {
  const Layer& L = layers_[index];
  const Fused& f = fused_[index];
  const auto B = x.size(0);
  const int H = config_.num_attention_heads, KV = config_.num_key_value_heads, hd = config_.head_dim;
  auto qkv = proj(rms_norm(x, L.input_norm), f.qkv, f.qkv_bias);  // [B, 1, (H + 2 KV) hd]
  // q and k heads side by side: one RMSNorm (the per-head weights stacked) and one rotation for both.
  auto qk = qkv.narrow(-1, 0, std::int64_t(H + KV) * hd).view({B, 1, H + KV, hd});
  qk = at::rms_norm(qk, {hd}, std::nullopt, config_.rms_norm_eps) * f.qk_norm;
  const auto half = hd / 2;
  // x·cos + rotate_half(x)·sin with rotate_half(x)·sin = [x2, x1]·[−sin1, sin2]: the same products, fewer kernels.
  qk = torch::addcmul(qk * cos, torch::cat({qk.narrow(-1, half, half), qk.narrow(-1, 0, half)}, -1), sin_signed);
  auto k = qk.narrow(2, H, KV).transpose(1, 2);  // [B, KV, 1, hd]
  auto v = qkv.narrow(-1, std::int64_t(H + KV) * hd, std::int64_t(KV) * hd).view({B, 1, KV, hd}).transpose(1, 2);
  cache.k[index].index_copy_(2, slot, k);
  cache.v[index].index_copy_(2, slot, v);
  // The H / KV query heads of each kv head as that many query rows (see attention()).
  auto q = qk.narrow(2, 0, H).reshape({B, KV, H / KV, hd});
  auto att = at::scaled_dot_product_attention(q, cache.k[index], cache.v[index], mask, 0.0, false,
                                              1.0 / std::sqrt(double(hd)));
  auto h = x + proj(att.reshape({B, 1, std::int64_t(H) * hd}), L.o_proj, L.o_bias);
  auto gu = proj(rms_norm(h, L.post_norm), f.gate_up);
  const auto ff = config_.intermediate_size;
  return h + proj(torch::silu(gu.narrow(-1, 0, ff)) * gu.narrow(-1, ff, ff), L.down_proj);
}

torch::Tensor Qwen3Model::decode_hidden(const torch::Tensor& ids, const torch::Tensor& positions,
                                        const torch::Tensor& slot, KvCache& cache) {
  if (fused_.size() != layers_.size()) prepare_decode();
  // The new token's slot becomes valid; it sees every valid slot up to its own.
  cache.key_valid.index_fill_(1, slot, true);
  auto upto = torch::arange(cache.capacity(), torch::TensorOptions().dtype(torch::kLong).device(device_)) <= slot;
  auto mask = (cache.key_valid & upto.unsqueeze(0)).unsqueeze(1).unsqueeze(1);  // [B, 1, 1, capacity]
  // Rotary tables [B, 1, 1, hd] (fp32, then cast like HF); the sine with its first half negated.
  auto freqs = positions.to(torch::kFloat32).unsqueeze(-1) * inv_freq_;  // [B, 1, hd/2]
  auto cos = torch::cat({freqs, freqs}, -1).cos().to(dtype_).unsqueeze(2);
  auto sin_half = freqs.sin();
  auto sin_signed = torch::cat({-sin_half, sin_half}, -1).to(dtype_).unsqueeze(2);
  auto x = F::embedding(ids, embed_);
  for (size_t i = 0; i < layers_.size(); ++i) x = decode_layer(i, x, cos, sin_signed, mask, cache, slot);
  return rms_norm(x, final_norm_);
}

torch::Tensor Qwen3Model::logits(const torch::Tensor& hidden) const {
  const auto& head = lm_head_.defined() ? lm_head_ : embed_;
  return torch::matmul(hidden, head.t()).to(torch::kFloat32);
}

std::pair<torch::Tensor, torch::Tensor> left_padded_positions(const std::vector<std::int64_t>& lengths,
                                                              std::int64_t width, torch::Device device) {
  const auto B = static_cast<std::int64_t>(lengths.size());
  std::vector<std::int64_t> pos(static_cast<size_t>(B * width), 0);
  std::vector<std::uint8_t> valid(static_cast<size_t>(B * width), 0);
  for (std::int64_t b = 0; b < B; ++b) {
    const std::int64_t pad = width - lengths[b];
    for (std::int64_t t = pad; t < width; ++t) {
      pos[b * width + t] = t - pad;
      valid[b * width + t] = 1;
    }
  }
  auto p = torch::from_blob(pos.data(), {B, width}, torch::kLong).clone().to(device);
  auto v = torch::from_blob(valid.data(), {B, width}, torch::kUInt8).to(torch::kBool).to(device);
  return {p, v};
}

TokenScores score_sequences(Qwen3Model& model, const torch::Tensor& ids, const torch::Tensor& valid,
                            double temperature) {
  if (!(temperature > 0)) throw Error("score_sequences needs a temperature > 0");
  const auto B = ids.size(0), T = ids.size(1);
  if (T < 2) throw Error("score_sequences needs sequences of at least two tokens");
  auto positions = torch::arange(T, torch::TensorOptions().dtype(torch::kLong).device(ids.device()))
                       .unsqueeze(0)
                       .expand({B, T});
  // Rows whose real tokens form a prefix (right padding) need only causal attention: a real token never sees the
  // padding after it, and what padding positions compute is not used.
  const auto lengths = valid.sum(1, /*keepdim=*/true);
  const bool prefix = (torch::arange(T, lengths.options()).unsqueeze(0) < lengths).equal(valid);
  auto hidden = prefix ? model.causal_hidden_states(ids, positions) : model.hidden_states(ids, positions, valid);
  auto logits = model.logits(hidden).narrow(1, 0, T - 1);  // [B, T-1, V] fp32
  if (temperature != 1.0) logits = logits / temperature;
  auto lp = torch::log_softmax(logits, -1);
  TokenScores s;
  s.logprobs = lp.gather(-1, ids.narrow(1, 1, T - 1).unsqueeze(-1)).squeeze(-1);
  s.entropy = -(lp.exp() * lp).sum(-1);
  return s;
}

torch::ScalarType parse_dtype(const std::string& name) {
  if (name == "float32" || name == "fp32" || name == "f32") return torch::kFloat32;
  if (name == "bfloat16" || name == "bf16") return torch::kBFloat16;
  if (name == "float16" || name == "fp16" || name == "f16") return torch::kFloat16;
  throw Error("unknown dtype '" + name + "' (expected float32, bfloat16 or float16)");
}

std::string dtype_name(torch::ScalarType t) {
  if (t == torch::kFloat32) return "float32";
  if (t == torch::kBFloat16) return "bfloat16";
  if (t == torch::kFloat16) return "float16";
  return "unknown";
}

}  // namespace arena::lm
