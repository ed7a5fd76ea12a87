// Token batches of the language-model learner (trainer/lm_train.cc). Include only from torch translation units.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "agents/lm/lm_agent.h"
#include "agents/lm/model.h"

namespace arena::trainer {

// One learner decision of a step.
struct TokenTurn {
  std::int64_t traj = 0;
  const lm::LmTurnRecord* rec = nullptr;  // null when the model gave no response (a prompt too long for it)
  std::int64_t prompt_len() const { return rec ? static_cast<std::int64_t>(rec->prompt.size()) : 0; }
  std::int64_t response_len() const { return rec ? static_cast<std::int64_t>(rec->response.size()) : 0; }
  std::int64_t length() const { return prompt_len() + response_len(); }
};

// Turns packed into rows: a row holds consecutive turns of one trajectory when each turn's prompt begins with the
// previous turn's prompt and response token for token (MARS conversations grow that way), so one forward pass over the
// last turn's sequence scores every response of the row (causal attention: each token sees what it saw when sampled).
using Pack = std::vector<std::size_t>;

std::vector<Pack> pack_turns(const std::vector<TokenTurn>& all, const std::vector<std::size_t>& turns, bool enabled);
std::int64_t pack_length(const std::vector<TokenTurn>& all, const Pack& p);

// A right-padded batch of packs: ids [B, T] (row = the last turn's prompt and response); `response` [B, T − 1] marks
// the positions that predict response tokens of the row's turns (position t predicts token t + 1), so masked_select
// over it lists the response tokens turn by turn, in the order of `packs`.
struct MicroBatch {
  std::vector<Pack> packs;
  torch::Tensor ids, valid, response;
};

MicroBatch make_micro_batch(const std::vector<TokenTurn>& all, std::vector<Pack> packs, torch::Device device);

// Splits `packs` into micro-batches of at most `budget` padded tokens (at least one pack each), longest first so that
// rows of similar length share a batch.
std::vector<std::vector<Pack>> chunk_packs(const std::vector<TokenTurn>& all, std::vector<Pack> packs, std::int64_t budget);

// Log-probabilities of every response token of the turns in `packs` under softmax(logits / temperature), without
// gradients, in micro-batches of at most `budget` padded tokens: out[t] = turn t's [response_len] tensor on `device`.
void score_turn_tokens(lm::Qwen3Model& model, const std::vector<TokenTurn>& all, const std::vector<Pack>& packs,
                       std::int64_t budget, double temperature, torch::Device device, std::vector<torch::Tensor>& out);

}  // namespace arena::trainer
