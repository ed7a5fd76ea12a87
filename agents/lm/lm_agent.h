// `lm(checkpoint=DIR, ...)`: a language model that reads the game as text and answers with an action, through the
// batched agent interface — every pending decision of every concurrent match goes into one generation (or scoring)
// batch. Torch-free header.
//
//   mode=free         the model writes a response in the chosen format (MARS `<think>…</think><answer>…</answer>` or
//                     SPIRAL `\boxed{}`), which is parsed against the legal action strings; anything else goes back
//                     to the runner's retry / forfeit policy, and every raw response is stored in the turns table.
//   mode=constrained  every legal action string is scored as the continuation of the prompt, and the action is drawn
//                     from π(a) ∝ exp(log p(continuation_a) / T): always legal, and the probabilities are exact, so
//                     `arena exploitability` works on it. A prompt longer than the model's context keeps its last
//                     tokens (free mode instead refuses the turn, as MARS scores an overlong sequence as a loss).
// The MARS format keeps each player's conversation across turns (its own earlier responses, thinking included); the
// agent remembers them per (match, player) for the matches it is playing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agents/lm/generate.h"
#include "agents/lm/text/prompt.h"
#include "arena/agent.h"

namespace arena::lm {

struct LmAgentOptions {
  std::string checkpoint;  // a directory with config.json, the weights and tokenizer.json
  bool constrained = false;
  PromptFormat format = PromptFormat::kMars;
  SamplingOptions sampling;  // temperature, top_k, top_p, max_new_tokens (stop strings/tokens come from the format)
  std::string device = "auto";  // auto | cpu | cuda
  std::string dtype = "auto";   // auto (bfloat16 on cuda, float32 on cpu) | float32 | bfloat16
  int max_batch = 256;          // decisions per forward batch
};

std::unique_ptr<Agent> make_lm_agent(const LmAgentOptions& options, const std::string& spec);

class Qwen3Model;
class Tokenizer;

// What a learner needs of one free-mode decision: the prompt exactly as the model saw it and the tokens it sampled
// (the stop token included when it ended the response).
struct LmTurnRecord {
  std::uint64_t match_id = 0;
  Player player = 0;
  int ply = 0;       // the decision's position in the match history
  int attempt = 0;   // 0 = first answer; > 0 after a refused one
  std::vector<std::int32_t> prompt, response;
  std::vector<float> logprobs;  // log p(token) at temperature 1, as sampled
  bool parsed = false;          // the response named a legal action
};
using LmRecorder = std::function<void(LmTurnRecord&&)>;

// An agent over a model someone else owns and updates (a trainer's live policy): `options.checkpoint`, `device` and
// `dtype` are ignored; `recorder`, when set, receives every free-mode decision. The model must outlive the agent.
std::unique_ptr<Agent> make_lm_agent(const LmAgentOptions& options, std::shared_ptr<Qwen3Model> model,
                                     std::shared_ptr<const Tokenizer> tokenizer, const std::string& spec,
                                     LmRecorder recorder = nullptr);

// Adds `lm` to the agent registry.
void register_lm_agent();

}  // namespace arena::lm
