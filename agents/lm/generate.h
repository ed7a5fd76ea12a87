// Batched generation and scoring with a Qwen3Model. Torch-free header (the model is forward-declared).
//
// Generation: prompts are left-padded into one batch, prefilled into a preallocated KV cache, then decoded one token
// per step for every row at once. Sampling is seeded per row and does not depend on the other rows of the batch: the
// token is argmax(logits/T + g) with Gumbel noise g = −log(−log u), where u = sampling_uniform(seed, step, token) is a
// counter-based hash (splitmix64) computed on the model's device — the Gumbel-max trick draws exactly from
// softmax(logits/T) restricted to the top-k / top-p set, and the same seed gives the same noise on CPU and GPU.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace arena::lm {

class Qwen3Model;
class Tokenizer;

struct SamplingOptions {
  double temperature = 1.0;  // 0 = greedy (argmax)
  int top_k = 0;             // keep the k most likely tokens; 0 = all
  double top_p = 1.0;        // keep the smallest set whose probability reaches top_p; 1 = all
  int max_new_tokens = 64;
  // Generation of a row stops when its text contains one of these (the text ends with it; the last token may carry
  // bytes past it, and stays whole in `tokens`) ...
  std::vector<std::string> stop_strings;
  // ... or when it samples one of these tokens (kept in `tokens`, not in `text`), e.g. <|im_end|>.
  std::vector<std::int32_t> stop_tokens;
  // On a CUDA device, capture the decode step once as a CUDA graph and replay it (same results, far fewer launches).
  // The environment variable ARENA_NO_CUDA_GRAPHS=1 turns it off everywhere.
  bool cuda_graphs = true;
  // On a CUDA device of a CUDA build, draw the token with one fused kernel (kernels/sampling.h) instead of tensor
  // ops; both give the same tokens (tested).
  bool fused_sampling = true;
};

struct GenerationRequest {
  std::vector<std::int32_t> prompt;  // at least one token
  std::uint64_t seed = 0;
};

struct Generation {
  std::vector<std::int32_t> tokens;
  // log p(token | context) under the model itself (temperature 1, no top-k/top-p): what a learner recomputes.
  std::vector<float> logprobs;
  // log-probability under the distribution the token was actually drawn from (temperature, top-k, top-p applied);
  // 0 for greedy decoding.
  std::vector<float> sample_logprobs;
  std::string text;           // the tokens' bytes (stop token excluded), cut after a stop string
  std::string finish_reason;  // "stop" (stop string), "eos" (stop token) or "length"
};

std::vector<Generation> generate(Qwen3Model& model, const Tokenizer& tokenizer,
                                 std::span<const GenerationRequest> requests, const SamplingOptions& options);

// The uniform in (0, 1) that generation draws for `token` at decode step `step` of a row seeded with `seed`.
double sampling_uniform(std::uint64_t seed, std::int64_t step, std::int64_t token);

// Constrained choice: the log-probability of each continuation (token ids) after its prompt, summed over the
// continuation's tokens, at temperature 1. Every prompt is run once; its continuations share its KV cache.
struct ScoringRequest {
  std::vector<std::int32_t> prompt;
  std::vector<std::vector<std::int32_t>> continuations;  // each non-empty
};
std::vector<std::vector<double>> score_continuations(Qwen3Model& model, std::span<const ScoringRequest> requests);

}  // namespace arena::lm
