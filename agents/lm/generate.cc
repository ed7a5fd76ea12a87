#include "agents/lm/generate.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <limits>

#include "agents/lm/model.h"
#include "agents/lm/text/tokenizer.h"
#include "games/api/params.h"

#ifdef ARENA_LM_CUDA_KERNELS
#include <c10/cuda/CUDAStream.h>

#include "kernels/sampling.h"
#endif
#ifdef ARENA_LM_CUDA_GRAPHS
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace arena::lm {
namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;
constexpr std::uint64_t kMix1 = 0xBF58476D1CE4E5B9ULL;
constexpr std::uint64_t kMix2 = 0x94D049BB133111EBULL;

std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= kMix1;
  x ^= x >> 27;
  x *= kMix2;
  x ^= x >> 31;
  return x;
}

std::uint64_t row_key(std::uint64_t seed, std::int64_t step) {
  return mix64(seed + static_cast<std::uint64_t>(step + 1) * kGolden);
}

// Logical right shift of int64 tensors holding uint64 bit patterns.
torch::Tensor shr(const torch::Tensor& x, int s) {
  return torch::bitwise_and(torch::bitwise_right_shift(x, s), static_cast<std::int64_t>((~0ULL) >> s));
}

torch::Tensor mix64(torch::Tensor x) {
  x = torch::bitwise_xor(x, shr(x, 30)) * static_cast<std::int64_t>(kMix1);
  x = torch::bitwise_xor(x, shr(x, 27)) * static_cast<std::int64_t>(kMix2);
  return torch::bitwise_xor(x, shr(x, 31));
}

// The same hash as sampling_uniform, over [B, V], computed on the device from the rows' seeds [B] and the step
// counter [1] (int64 arithmetic wraps like uint64), so it can run inside a CUDA graph.
torch::Tensor uniforms(const torch::Tensor& seeds, const torch::Tensor& step, std::int64_t vocab) {
  auto keys = mix64(seeds + (step + 1) * static_cast<std::int64_t>(kGolden)).unsqueeze(1);
  auto v = torch::arange(vocab, seeds.options()).unsqueeze(0);
  auto x = mix64(keys + v * static_cast<std::int64_t>(kGolden));
  return (shr(x, 11).to(torch::kFloat64) + 0.5) * 0x1.0p-53;
}

// Logits [B, V] (fp32) with top-k and top-p applied: excluded tokens become −inf.
torch::Tensor filter_logits(torch::Tensor scaled, const SamplingOptions& o) {
  const auto V = scaled.size(-1);
  const auto neg_inf = -std::numeric_limits<float>::infinity();
  if (o.top_k > 0 && o.top_k < V) {
    auto kth = std::get<0>(scaled.topk(o.top_k, -1)).select(-1, o.top_k - 1).unsqueeze(-1);
    scaled = scaled.masked_fill(scaled < kth, neg_inf);
  }
  if (o.top_p < 1.0) {
    auto [vals, idx] = scaled.sort(/*stable=*/true, -1, /*descending=*/true);
    auto probs = torch::softmax(vals, -1);
    auto before = probs.cumsum(-1) - probs;  // mass of strictly more likely tokens; the first is always kept
    auto remove = before >= o.top_p;
    auto mask = torch::zeros_like(remove).scatter(-1, idx, remove);
    scaled = scaled.masked_fill(mask, neg_inf);
  }
  return scaled;
}

void check_prompt(const std::vector<std::int32_t>& p, int vocab, const char* what) {
  if (p.empty()) throw Error(std::string(what) + " is empty");
  for (auto t : p)
    if (t < 0 || t >= vocab)
      throw Error(std::string(what) + " holds token id " + std::to_string(t) + ", outside the model's vocabulary of " +
                  std::to_string(vocab));
}

torch::Tensor left_padded_ids(std::span<const std::vector<std::int32_t>* const> rows, std::int64_t width,
                              torch::Device device) {
  const auto B = static_cast<std::int64_t>(rows.size());
  std::vector<std::int64_t> ids(static_cast<size_t>(B * width), 0);
  for (std::int64_t b = 0; b < B; ++b) {
    const auto& r = *rows[b];
    const std::int64_t pad = width - static_cast<std::int64_t>(r.size());
    for (size_t t = 0; t < r.size(); ++t) ids[b * width + pad + t] = r[t];
  }
  return torch::from_blob(ids.data(), {B, width}, torch::kLong).clone().to(device);
}

}  // namespace

double sampling_uniform(std::uint64_t seed, std::int64_t step, std::int64_t token) {
  const std::uint64_t x = mix64(row_key(seed, step) + static_cast<std::uint64_t>(token) * kGolden);
  return (static_cast<double>(x >> 11) + 0.5) * 0x1.0p-53;
}

namespace {

// Everything one decode step reads and writes, in fixed device buffers: sample a token per row from `logits`, record
// (token, log-prob, sampling log-prob) in `out`, run the token through the model into cache slot `slot`, leave the
// next logits in `logits`, and advance the counters. No host work and no shape changes, so on a GPU the step is
// captured once as a CUDA graph and replayed.
struct StepState {
  torch::Tensor logits;  // [B, V] fp32
  torch::Tensor pos;     // [B] long: position of the token sampled next
  torch::Tensor slot;    // [1] long: its cache slot
  torch::Tensor step;    // [1] long: decode step (the sampling noise's counter)
  torch::Tensor seeds;   // [B] long (uint64 bit patterns)
  torch::Tensor out;     // [3, B] fp64
  std::int64_t decodable = 0;  // ids at or above it have no bytes in the tokenizer and are never sampled
};

// Tokens the tokenizer cannot decode (a model vocabulary padded past the tokenizer's) get probability 0.
void mask_undecodable(torch::Tensor& logits, std::int64_t decodable) {
  const auto V = logits.size(-1);
  if (decodable < V) logits.narrow(-1, decodable, V - decodable).fill_(-std::numeric_limits<float>::infinity());
}

void decode_step(Qwen3Model& model, KvCache& cache, StepState& s, const SamplingOptions& o) {
  auto full = torch::log_softmax(s.logits, -1);
  torch::Tensor token, sample_lp;
  if (o.temperature == 0) {
    token = s.logits.argmax(-1);
    sample_lp = torch::zeros_like(full.select(1, 0));
  } else {
    auto filtered = filter_logits(s.logits / o.temperature, o).contiguous();
#ifdef ARENA_LM_CUDA_KERNELS
    if (filtered.is_cuda() && o.fused_sampling) {
      // The same noise and argmax in one kernel instead of some forty tensor ops.
      token = torch::empty({filtered.size(0)}, s.seeds.options());
      kernels::gumbel_argmax(filtered.data_ptr<float>(), s.seeds.data_ptr<std::int64_t>(),
                             s.step.data_ptr<std::int64_t>(), filtered.size(0), filtered.size(1),
                             token.data_ptr<std::int64_t>(), c10::cuda::getCurrentCUDAStream().stream());
    }
#endif
    if (!token.defined()) {
      auto g = -torch::log(-torch::log(uniforms(s.seeds, s.step, s.logits.size(1))));
      token = (filtered.to(torch::kFloat64) + g).argmax(-1);
    }
    sample_lp = torch::log_softmax(filtered, -1).gather(-1, token.unsqueeze(-1)).squeeze(-1);
  }
  auto lp = full.gather(-1, token.unsqueeze(-1)).squeeze(-1);
  s.out.select(0, 0).copy_(token);
  s.out.select(0, 1).copy_(lp);
  s.out.select(0, 2).copy_(sample_lp);
  auto h = model.decode_hidden(token.unsqueeze(1), s.pos.unsqueeze(1), s.slot, cache);
  s.logits.copy_(model.logits(h.select(1, 0)));
  mask_undecodable(s.logits, s.decodable);
  s.pos.add_(1);
  s.slot.add_(1);
  s.step.add_(1);
}

// Prefills left-padded prompts into `cache` and returns the logits at each row's last prompt token [B, V] fp32.
//   Long prompts (P ≥ 512): each row runs alone with causal attention over its own tokens, written into its last
//   `length` slots — no padding computed, no mask or [P, P] scores (3.8× the self-play games/s of the masked batch on
//   2.3k-token Kuhn prompts on the CPU).
//   Short prompts: one masked forward over the padded batch, in chunks of rows × P² ≤ 2^26 (fewer, larger kernels).
torch::Tensor prefill(Qwen3Model& model, const std::vector<const std::vector<std::int32_t>*>& prompts,
                      const std::vector<std::int64_t>& lengths, std::int64_t P, KvCache& cache) {
  const auto B = static_cast<std::int64_t>(prompts.size());
  std::vector<torch::Tensor> logits;
  if (P >= 512) {
    const auto start = cache.length;
    cache.key_valid.narrow(1, start, P).fill_(false);
    for (std::int64_t b = 0; b < B; ++b) {
      const auto L = lengths[static_cast<std::size_t>(b)];
      const auto& row = *prompts[static_cast<std::size_t>(b)];
      std::vector<std::int64_t> ids(row.begin(), row.end());
      auto id_t = torch::from_blob(ids.data(), {1, L}, torch::kLong).clone().to(model.device());
      auto pos = torch::arange(L, torch::TensorOptions().dtype(torch::kLong).device(model.device())).unsqueeze(0);
      auto hidden = model.prefill_row(id_t, pos, cache, b, start + P - L);
      logits.push_back(model.logits(hidden.select(1, L - 1)));
    }
  } else {
    const std::int64_t per_chunk = std::clamp<std::int64_t>((std::int64_t(1) << 26) / std::max<std::int64_t>(1, P * P), 1, B);
    for (std::int64_t lo = 0; lo < B; lo += per_chunk) {
      const std::int64_t n = std::min(per_chunk, B - lo);
      KvCache part;
      part.length = cache.length;
      part.key_valid = cache.key_valid.narrow(0, lo, n);
      for (size_t l = 0; l < cache.k.size(); ++l) {
        part.k.push_back(cache.k[l].narrow(0, lo, n));
        part.v.push_back(cache.v[l].narrow(0, lo, n));
      }
      std::vector<const std::vector<std::int32_t>*> rows(prompts.begin() + lo, prompts.begin() + lo + n);
      std::vector<std::int64_t> lens(lengths.begin() + lo, lengths.begin() + lo + n);
      auto [pos, valid] = left_padded_positions(lens, P, model.device());
      auto hidden = model.hidden_states(left_padded_ids(rows, P, model.device()), pos, valid, &part);
      logits.push_back(model.logits(hidden.select(1, P - 1)));
    }
  }
  cache.length += P;
  return torch::cat(logits, 0).contiguous();
}

bool graphs_disabled() {
  const char* v = std::getenv("ARENA_NO_CUDA_GRAPHS");
  return v && *v && std::string(v) != "0";
}

}  // namespace

std::vector<Generation> generate(Qwen3Model& model, const Tokenizer& tokenizer,
                                 std::span<const GenerationRequest> requests, const SamplingOptions& o) {
  const auto B = static_cast<std::int64_t>(requests.size());
  std::vector<Generation> out(requests.size());
  if (B == 0) return out;
  if (o.max_new_tokens < 1) throw Error("max_new_tokens must be at least 1");
  if (o.temperature < 0) throw Error("temperature must be >= 0");
  if (o.top_p <= 0 || o.top_p > 1) throw Error("top_p must be in (0, 1]");
  torch::InferenceMode inference;
  model.prepare_decode();
  const int V = model.config().vocab_size;
  const auto device = model.device();
  std::vector<const std::vector<std::int32_t>*> prompts;
  std::vector<std::int64_t> lengths, seeds;
  for (const auto& r : requests) {
    check_prompt(r.prompt, V, "a generation prompt");
    prompts.push_back(&r.prompt);
    lengths.push_back(static_cast<std::int64_t>(r.prompt.size()));
    seeds.push_back(static_cast<std::int64_t>(r.seed));
  }
  const std::int64_t P = *std::max_element(lengths.begin(), lengths.end());
  // Every sampled token is run through the model (the last one's logits go unused): slots P .. P + max_new − 1.
  auto cache = model.make_cache(B, P + o.max_new_tokens);
  auto long_opts = torch::TensorOptions().dtype(torch::kLong).device(device);

  StepState st;
  st.decodable = tokenizer.vocab_size();
  st.logits = prefill(model, prompts, lengths, P, cache);
  mask_undecodable(st.logits, st.decodable);
  st.pos = torch::from_blob(lengths.data(), {B}, torch::kLong).clone().to(device);
  st.slot = torch::full({1}, P, long_opts);
  st.step = torch::zeros({1}, long_opts);
  st.seeds = torch::from_blob(seeds.data(), {B}, torch::kLong).clone().to(device);
  st.out = torch::zeros({3, B}, torch::TensorOptions().dtype(torch::kFloat64).device(device));

#ifdef ARENA_LM_CUDA_GRAPHS
  std::unique_ptr<at::cuda::CUDAGraph> graph;
  const bool use_graph = device.is_cuda() && o.cuda_graphs && o.max_new_tokens > 2 && !graphs_disabled();
#endif
  std::vector<bool> done(static_cast<size_t>(B), false);
  std::int64_t remaining = B;
  for (int step = 0; step < o.max_new_tokens && remaining > 0; ++step) {
#ifdef ARENA_LM_CUDA_GRAPHS
    if (use_graph && step == 1) {
      // Step 0 ran eagerly (the warm-up capture needs). Capture records on a side stream and executes nothing; the
      // replays then run on the current stream, in order with everything queued before.
      auto current = c10::cuda::getCurrentCUDAStream(device.index());
      auto side = c10::cuda::getStreamFromPool(false, device.index());
      at::cuda::CUDAEvent ready;
      ready.record(current);
      ready.block(side);
      graph = std::make_unique<at::cuda::CUDAGraph>();
      try {
        c10::cuda::CUDAStreamGuard guard(side);
        graph->capture_begin();
        try {
          decode_step(model, cache, st, o);
        } catch (...) {
          graph->capture_end();
          throw;
        }
        graph->capture_end();
      } catch (const std::exception&) {
        graph.reset();  // nothing ran under capture: the step runs eagerly below
      }
    }
    if (graph) graph->replay();
    else decode_step(model, cache, st, o);
#else
    decode_step(model, cache, st, o);
#endif
    auto host = st.out.to(torch::kCPU);
    auto acc = host.accessor<double, 2>();
    for (std::int64_t b = 0; b < B; ++b) {
      if (done[b]) continue;
      Generation& g = out[b];
      const auto t = static_cast<std::int32_t>(acc[0][b]);
      g.tokens.push_back(t);
      g.logprobs.push_back(static_cast<float>(acc[1][b]));
      g.sample_logprobs.push_back(static_cast<float>(acc[2][b]));
      if (std::find(o.stop_tokens.begin(), o.stop_tokens.end(), t) != o.stop_tokens.end()) {
        g.finish_reason = "eos";
      } else {
        const size_t before = g.text.size();
        g.text += tokenizer.token_bytes(t);
        // The stop string whose first occurrence ends earliest wins (one token may complete several).
        size_t cut = std::string::npos;
        for (const auto& stop : o.stop_strings) {
          if (stop.empty()) continue;
          const size_t from = before >= stop.size() ? before - stop.size() + 1 : 0;
          const size_t at = g.text.find(stop, from);
          if (at != std::string::npos) cut = std::min(cut, at + stop.size());
        }
        if (cut != std::string::npos) {
          g.text.resize(cut);
          g.finish_reason = "stop";
        }
        if (g.finish_reason.empty() && step + 1 == o.max_new_tokens) g.finish_reason = "length";
      }
      if (!g.finish_reason.empty()) {
        done[b] = true;
        --remaining;
      }
    }
  }
  return out;
}

namespace {

std::vector<std::vector<double>> score_group(Qwen3Model& model, std::span<const ScoringRequest> requests) {
  std::vector<std::vector<double>> out(requests.size());
  if (requests.empty()) return out;
  torch::InferenceMode inference;
  const int V = model.config().vocab_size;
  const auto device = model.device();
  std::vector<const std::vector<std::int32_t>*> prompts, conts;
  std::vector<std::int64_t> lengths, row_of, cont_len;
  for (size_t r = 0; r < requests.size(); ++r) {
    check_prompt(requests[r].prompt, V, "a scoring prompt");
    prompts.push_back(&requests[r].prompt);
    lengths.push_back(static_cast<std::int64_t>(requests[r].prompt.size()));
    for (const auto& c : requests[r].continuations) {
      check_prompt(c, V, "a continuation");
      conts.push_back(&c);
      row_of.push_back(static_cast<std::int64_t>(r));
      cont_len.push_back(static_cast<std::int64_t>(c.size()));
    }
  }
  if (conts.empty()) return out;
  const auto B = static_cast<std::int64_t>(prompts.size()), R = static_cast<std::int64_t>(conts.size());
  const std::int64_t P = *std::max_element(lengths.begin(), lengths.end());
  const std::int64_t C = *std::max_element(cont_len.begin(), cont_len.end());
  auto cache = model.make_cache(B, P + C);
  auto [pos, valid] = left_padded_positions(lengths, P, device);
  auto hidden = model.hidden_states(left_padded_ids(prompts, P, device), pos, valid, &cache);
  auto first = torch::log_softmax(model.logits(hidden.select(1, P - 1)), -1);  // predicts each continuation's token 0

  auto rows = torch::from_blob(row_of.data(), {R}, torch::kLong).clone().to(device);
  auto rc = cache.select_rows(rows);
  // Continuations right-padded to C; token j sits at position prompt_length + j.
  std::vector<std::int64_t> ids(static_cast<size_t>(R * C), 0), cpos(static_cast<size_t>(R * C), 0);
  std::vector<std::uint8_t> cvalid(static_cast<size_t>(R * C), 0);
  for (std::int64_t i = 0; i < R; ++i)
    for (std::int64_t j = 0; j < C; ++j) {
      cpos[i * C + j] = lengths[row_of[i]] + j;
      if (j < cont_len[i]) {
        ids[i * C + j] = (*conts[i])[j];
        cvalid[i * C + j] = 1;
      }
    }
  auto cid = torch::from_blob(ids.data(), {R, C}, torch::kLong).clone().to(device);
  auto cp = torch::from_blob(cpos.data(), {R, C}, torch::kLong).clone().to(device);
  auto cv = torch::from_blob(cvalid.data(), {R, C}, torch::kUInt8).to(torch::kBool).to(device);
  auto lp = torch::log_softmax(model.logits(model.hidden_states(cid, cp, cv, &rc)), -1);  // [R, C, V]
  // Token j of a continuation is predicted at its position j − 1 (token 0 by the prompt's last position).
  auto tok0 = first.index_select(0, rows).gather(-1, cid.narrow(1, 0, 1)).squeeze(-1);  // [R]
  torch::Tensor rest = torch::zeros({R, 0}, lp.options());
  if (C > 1) rest = lp.narrow(1, 0, C - 1).gather(-1, cid.narrow(1, 1, C - 1).unsqueeze(-1)).squeeze(-1);
  auto per_token = torch::cat({tok0.unsqueeze(1), rest}, 1).masked_fill(cv.logical_not(), 0.0);
  auto sums = per_token.to(torch::kFloat64).sum(1).to(torch::kCPU);
  auto acc = sums.accessor<double, 1>();
  for (std::int64_t i = 0; i < R; ++i) out[row_of[i]].push_back(acc[i]);
  return out;
}

}  // namespace

std::vector<std::vector<double>> score_continuations(Qwen3Model& model, std::span<const ScoringRequest> requests) {
  // Requests are scored in groups whose replicated caches (one copy of the prompt's cache per continuation) stay
  // under 1 GiB and whose prefill attention stays bounded (requests × P² ≤ 2^26).
  const auto& c = model.config();
  const std::int64_t elem = model.dtype() == torch::kFloat32 ? 4 : 2;
  const std::int64_t per_slot = 2LL * c.num_hidden_layers * c.num_key_value_heads * c.head_dim * elem;
  std::vector<std::vector<double>> out;
  out.reserve(requests.size());
  std::size_t lo = 0;
  while (lo < requests.size()) {
    std::size_t hi = lo;
    std::int64_t bytes = 0, longest = 0;
    while (hi < requests.size()) {
      const auto& r = requests[hi];
      std::int64_t cont = 0;
      for (const auto& x : r.continuations) cont = std::max<std::int64_t>(cont, static_cast<std::int64_t>(x.size()));
      const std::int64_t p = static_cast<std::int64_t>(r.prompt.size());
      const std::int64_t add = per_slot * (p + cont) * static_cast<std::int64_t>(r.continuations.size() + 1);
      const std::int64_t l = std::max(longest, p);
      if (hi > lo && (bytes + add > (std::int64_t(1) << 30) || std::int64_t(hi - lo + 1) * l * l > (std::int64_t(1) << 26)))
        break;
      bytes += add;
      longest = l;
      ++hi;
    }
    for (auto& row : score_group(model, requests.subspan(lo, hi - lo))) out.push_back(std::move(row));
    lo = hi;
  }
  return out;
}

}  // namespace arena::lm
