#include "agents/lm/generate.h"

#include <algorithm>
#include <limits>

#include "agents/lm/model.h"
#include "agents/lm/text/tokenizer.h"
#include "games/api/params.h"

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

// The same hash as sampling_uniform, over [B, V] on the model's device (int64 arithmetic wraps like uint64).
torch::Tensor uniforms(const std::vector<std::uint64_t>& seeds, std::int64_t step, std::int64_t vocab,
                       torch::Device device) {
  std::vector<std::int64_t> keys(seeds.size());
  for (size_t b = 0; b < seeds.size(); ++b) keys[b] = static_cast<std::int64_t>(row_key(seeds[b], step));
  auto k = torch::from_blob(keys.data(), {static_cast<std::int64_t>(keys.size()), 1}, torch::kLong).clone().to(device);
  auto v = torch::arange(vocab, torch::TensorOptions().dtype(torch::kLong).device(device)).unsqueeze(0);
  auto x = k + v * static_cast<std::int64_t>(kGolden);
  x = torch::bitwise_xor(x, shr(x, 30)) * static_cast<std::int64_t>(kMix1);
  x = torch::bitwise_xor(x, shr(x, 27)) * static_cast<std::int64_t>(kMix2);
  x = torch::bitwise_xor(x, shr(x, 31));
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

std::vector<Generation> generate(Qwen3Model& model, const Tokenizer& tokenizer,
                                 std::span<const GenerationRequest> requests, const SamplingOptions& o) {
  const auto B = static_cast<std::int64_t>(requests.size());
  std::vector<Generation> out(requests.size());
  if (B == 0) return out;
  if (o.max_new_tokens < 1) throw Error("max_new_tokens must be at least 1");
  if (o.temperature < 0) throw Error("temperature must be >= 0");
  if (o.top_p <= 0 || o.top_p > 1) throw Error("top_p must be in (0, 1]");
  torch::InferenceMode inference;
  const int V = model.config().vocab_size;
  const auto device = model.device();
  std::vector<const std::vector<std::int32_t>*> prompts;
  std::vector<std::int64_t> lengths;
  std::vector<std::uint64_t> seeds;
  for (const auto& r : requests) {
    check_prompt(r.prompt, V, "a generation prompt");
    prompts.push_back(&r.prompt);
    lengths.push_back(static_cast<std::int64_t>(r.prompt.size()));
    seeds.push_back(r.seed);
  }
  const std::int64_t P = *std::max_element(lengths.begin(), lengths.end());
  auto cache = model.make_cache(B, P + o.max_new_tokens);
  auto ids = left_padded_ids(prompts, P, device);
  auto [pos, valid] = left_padded_positions(lengths, P, device);
  auto hidden = model.hidden_states(ids, pos, valid, &cache);
  auto logits = model.logits(hidden.select(1, P - 1));  // [B, V] fp32
  auto next_pos = torch::from_blob(lengths.data(), {B}, torch::kLong).clone().to(device);
  auto ones = torch::ones({B, 1}, torch::TensorOptions().dtype(torch::kBool).device(device));

  std::vector<bool> done(static_cast<size_t>(B), false);
  std::int64_t remaining = B;
  for (int step = 0; step < o.max_new_tokens && remaining > 0; ++step) {
    auto full = torch::log_softmax(logits, -1);
    torch::Tensor token, sample_lp;
    if (o.temperature == 0) {
      token = logits.argmax(-1);
      sample_lp = torch::zeros({B}, full.options());
    } else {
      auto filtered = filter_logits(logits / o.temperature, o);
      auto g = -torch::log(-torch::log(uniforms(seeds, step, V, device)));
      token = (filtered.to(torch::kFloat64) + g).argmax(-1);
      sample_lp = torch::log_softmax(filtered, -1).gather(-1, token.unsqueeze(-1)).squeeze(-1);
    }
    auto lp = full.gather(-1, token.unsqueeze(-1)).squeeze(-1);
    auto host = torch::stack({token.to(torch::kFloat64), lp.to(torch::kFloat64), sample_lp.to(torch::kFloat64)})
                    .to(torch::kCPU);
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
        for (const auto& s : o.stop_strings) {
          if (s.empty()) continue;
          const size_t from = before >= s.size() ? before - s.size() + 1 : 0;
          const size_t at = g.text.find(s, from);
          if (at != std::string::npos) {
            g.text.resize(at + s.size());
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
    if (remaining == 0 || step + 1 == o.max_new_tokens) break;
    auto h = model.hidden_states(token.unsqueeze(1), next_pos.unsqueeze(1), ones, &cache);
    logits = model.logits(h.select(1, 0));
    next_pos += 1;
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
