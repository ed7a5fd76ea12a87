// A Qwen3-architecture decoder in LibTorch. Include only from torch translation units.
//
// Per layer (HF Qwen3DecoderLayer):   h = x + o_proj(attn(q_norm(q_proj(n1(x))), k_norm(k_proj(n1(x))), v_proj(n1(x))))
//                                     y = h + down_proj(silu(gate_proj(n2(h))) * up_proj(n2(h)))
// RMSNorm(x) = w · (x / sqrt(mean(x²) + eps)), computed in fp32 and cast back before the weight multiply (as HF does);
// q_norm / k_norm are RMSNorms over head_dim applied per head before the rotary embedding. Rotary embeddings use HF's
// "rotate half" layout: x·cos + rotate_half(x)·sin with rotate_half([a, b]) = [−b, a], inv_freq_i = θ^(−2i/hd) and
// the cos/sin computed in fp32. Grouped-query attention: each kv head serves num_heads / num_kv_heads query heads.
// Logits = lm_head(norm(x)), lm_head tied to the embedding when tie_word_embeddings.
//
// Weights carry HF names (model.embed_tokens.weight, model.layers.{i}.self_attn.q_proj.weight, …, lm_head.weight), so
// a checkpoint moves both ways between Arena and `transformers`.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "agents/lm/model_config.h"

namespace arena::lm {

// A preallocated key/value cache: per layer [batch, num_kv_heads, capacity, head_dim]. `key_valid` marks which
// filled slots hold real tokens (left padding leaves the first slots of short rows empty); `length` is the number of
// filled slots, the same for every row.
struct KvCache {
  std::vector<torch::Tensor> k, v;
  torch::Tensor key_valid;  // bool [batch, capacity]
  std::int64_t length = 0;
  std::int64_t capacity() const { return key_valid.defined() ? key_valid.size(1) : 0; }
  std::int64_t batch() const { return key_valid.defined() ? key_valid.size(0) : 0; }
  // Keeps rows `rows` (a long tensor of row indices, repeats allowed): scoring several continuations of one prompt.
  KvCache select_rows(const torch::Tensor& rows) const;
};

// Not thread-safe: one thread drives a model at a time (generation rebuilds the decode weights it runs on).
class Qwen3Model {
 public:
  Qwen3Model(ModelConfig config, torch::Device device, torch::ScalarType dtype);

  const ModelConfig& config() const { return config_; }
  torch::Device device() const { return device_; }
  torch::ScalarType dtype() const { return dtype_; }

  // Weights ~ N(0, initializer_range²), norms = 1, drawn with Arena's RNG from `seed` (the same model on every machine).
  void init_random(std::uint64_t seed);
  // Every weight by HF name, in a fixed order; lm_head.weight only when untied. The tensors are the live parameters.
  const std::vector<std::pair<std::string, torch::Tensor>>& named_parameters() const { return named_; }
  std::vector<torch::Tensor> parameters() const;
  void set_requires_grad(bool on);
  // Moves/casts every weight.
  void to(torch::Device device, torch::ScalarType dtype);

  KvCache make_cache(std::int64_t batch, std::int64_t capacity) const;

  // Runs tokens `ids` [B, T] (int64) at rotary positions `positions` [B, T]; `valid` [B, T] (bool) marks real tokens
  // (false for padding). Attention is causal and never looks at invalid keys. With a cache, the T new tokens occupy
  // slots [cache.length, cache.length + T) and attend to every earlier valid slot; the cache advances by T.
  // Returns the final hidden states [B, T, hidden] (model dtype).
  torch::Tensor hidden_states(const torch::Tensor& ids, const torch::Tensor& positions, const torch::Tensor& valid,
                              KvCache* cache = nullptr);
  // Plain causal attention over rows of real tokens (no cache, no padding before a real token): the fused
  // attention kernels apply, without a [T, T] mask. Same result as hidden_states with every position valid.
  torch::Tensor causal_hidden_states(const torch::Tensor& ids, const torch::Tensor& positions);
  // Prefills one row of a left-padded cache: tokens `ids` [1, L] at `positions` [1, L] go into slots
  // [begin, begin + L) of row `row`, attending causally among themselves only (the row's slots before `begin` are
  // padding), so the fused attention kernels apply and no mask or [L, L] scores are built; marks those slots valid.
  // Returns the final hidden states [1, L, hidden]. The cache's `length` is left to the caller.
  torch::Tensor prefill_row(const torch::Tensor& ids, const torch::Tensor& positions, KvCache& cache,
                            std::int64_t row, std::int64_t begin);
  // One decode step with every shape fixed by the cache, so it can be captured in a CUDA graph: tokens `ids` [B, 1]
  // at `positions` [B, 1] are written into cache slot `slot` (a one-element long tensor on the model's device, read on
  // the device) and attend to every valid slot up to it. The cache's `length` is left to the caller.
  torch::Tensor decode_hidden(const torch::Tensor& ids, const torch::Tensor& positions, const torch::Tensor& slot,
                              KvCache& cache);
  // Builds the concatenated weights decode_hidden runs on ([q; k; v], [gate; up], the q/k norm weights per head) from
  // the current parameters; generation calls it first, so weights changed by training are always picked up.
  void prepare_decode();
  // lm_head over hidden states: logits in fp32.
  torch::Tensor logits(const torch::Tensor& hidden) const;
  // hidden_states + logits over all T positions.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& positions, const torch::Tensor& valid,
                        KvCache* cache = nullptr) {
    return logits(hidden_states(ids, positions, valid, cache));
  }

 private:
  struct Layer {
    torch::Tensor input_norm, q_proj, k_proj, v_proj, o_proj, q_norm, k_norm, post_norm, gate_proj, up_proj,
        down_proj;
    torch::Tensor q_bias, k_bias, v_bias, o_bias;  // attention_bias only
  };
  torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& w) const;
  torch::Tensor attention(Layer& layer, int index, const torch::Tensor& x, const torch::Tensor& cos,
                          const torch::Tensor& sin, const torch::Tensor& mask, KvCache* cache,
                          const torch::Tensor* slot = nullptr);
  torch::Tensor layers_forward(torch::Tensor x, const torch::Tensor& positions, const torch::Tensor& mask,
                               KvCache* cache, const torch::Tensor* slot);
  // Decode-step layer on the concatenated weights: fewer, larger kernels for the same arithmetic.
  struct Fused {
    torch::Tensor qkv, qkv_bias, gate_up, qk_norm;  // qk_norm: [H + KV, head_dim]
  };
  torch::Tensor decode_layer(size_t index, const torch::Tensor& x, const torch::Tensor& cos,
                             const torch::Tensor& sin_signed, const torch::Tensor& mask, KvCache& cache,
                             const torch::Tensor& slot);
  std::vector<Fused> fused_;
  void build_names();
  // Where prefill_row writes the keys and values of the layer being run (row, first slot); row < 0: not prefilling.
  std::int64_t prefill_row_ = -1, prefill_begin_ = 0;

  ModelConfig config_;
  torch::Device device_;
  torch::ScalarType dtype_;
  torch::Tensor embed_, final_norm_, lm_head_;
  std::vector<Layer> layers_;
  std::vector<std::pair<std::string, torch::Tensor>> named_;
  torch::Tensor inv_freq_;  // fp32 [head_dim / 2]
};

// Positions and validity of a left-padded batch: row b holds lengths[b] real tokens right-aligned in `width` slots;
// positions count from 0 at the first real token (pads get position 0).
std::pair<torch::Tensor, torch::Tensor> left_padded_positions(const std::vector<std::int64_t>& lengths,
                                                              std::int64_t width, torch::Device device);

// The training forward pass over right-padded sequences `ids` [B, T] whose real tokens are marked by `valid` [B, T]:
// logprobs[b, t] = log p(ids[b, t+1] | ids[b, ..t]) and entropy[b, t] of that next-token distribution, both [B, T−1]
// fp32, differentiable when the weights require gradients. Callers mask the spans they train on. With a temperature
// T ≠ 1 both are of the tempered distribution softmax(logits / T) (the one a sampler at temperature T draws from).
struct TokenScores {
  torch::Tensor logprobs, entropy;
};
TokenScores score_sequences(Qwen3Model& model, const torch::Tensor& ids, const torch::Tensor& valid,
                            double temperature = 1.0);

// Model files in a checkpoint directory: config.json plus model.safetensors, or model.safetensors.index.json and its
// shards. Tensors stored as F32, BF16 or F16 are converted to `dtype`. arena::Error for a missing or extra weight, a
// shape mismatch, or a malformed file, naming the file and the tensor.
Qwen3Model load_model(const std::string& dir, torch::Device device, torch::ScalarType dtype);
// Writes config.json and the weights in `store_dtype` (float32 | bfloat16), split into shards of at most
// `max_shard_bytes` (0 = one file) with an HF-style index when there is more than one. Other files in `dir` stay.
void save_model(const Qwen3Model& model, const std::string& dir, const std::string& store_dtype = "float32",
                std::int64_t max_shard_bytes = 0);

torch::ScalarType parse_dtype(const std::string& name);  // float32 | bfloat16 | float16
std::string dtype_name(torch::ScalarType t);

}  // namespace arena::lm
