#include "agents/lm/generate.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <limits>

#include "agents/lm/model.h"
#include "agents/lm/text/tokenizer.h"
#include "games/api/params.h"

#ifdef ARENA_LM_CUDA_KERNELS
#include "kernels/sampling.h"
#endif
#ifdef ARENA_LM_CUDA_GRAPHS
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
};

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
  s.pos.add_(1);
  s.slot.add_(1);
  s.step.add_(1);
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
  // One slot more than the tokens kept: the last step also runs its token through the model.
  auto cache = model.make_cache(B, P + o.max_new_tokens + 1);
  auto long_opts = torch::TensorOptions().dtype(torch::kLong).device(device);

#ifdef ARENA_LM_CUDA_GRAPHS
  std::optional<c10::cuda::CUDAStreamGuard> stream_guard;
  if (device.is_cuda()) stream_guard.emplace(c10::cuda::getStreamFromPool(false, device.index()));
#endif
  StepState st;
  {
    auto [pos, valid] = left_padded_positions(lengths, P, device);
    auto hidden = model.hidden_states(left_padded_ids(prompts, P, device), pos, valid, &cache);
    st.logits = model.logits(hidden.select(1, P - 1)).contiguous();
  }
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
      // Step 0 ran eagerly on this stream (the warm-up capture needs); from here on every step is a replay.
      graph = std::make_unique<at::cuda::CUDAGraph>();
      graph->capture_begin();
      decode_step(model, cache, st, o);
      graph->capture_end();
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
        for (const auto& stop : o.stop_strings) {
          if (stop.empty()) continue;
          const size_t from = before >= stop.size() ? before - stop.size() + 1 : 0;
          const size_t at = g.text.find(stop, from);
          if (at != std::string::npos) {
            g.text.resize(at + stop.size());
            g.finish_reason = "stop";
            break;
          }
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

std::vector<std::vector<double>> score_continuations(Qwen3Model& model, std::span<const ScoringRequest> requests) {
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

}  // namespace arena::lm
