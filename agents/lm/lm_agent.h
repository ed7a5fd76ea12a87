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

#include <memory>
#include <string>

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

// Adds `lm` to the agent registry.
void register_lm_agent();

}  // namespace arena::lm
