// Supervised fine-tuning of a language-model checkpoint on transcripts the arena generates from strong agents (the
// warm start before self-play): teachers play the games against themselves; for every seat of every match, the
// player's whole conversation is rendered in the prompt format the lm agent plays with, the teacher's answers as the
// assistant turns ("<think>\n</think>\n<answer>ACTION</answer>" in MARS format: an empty thinking block, or
// "\boxed{ACTION}" in SPIRAL's); the loss is the mean negative log-likelihood of the assistant tokens only (their
// text and closing <|im_end|>). Torch-free header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace arena::trainer {

struct SftOptions {
  std::string model;                  // the checkpoint to start from (arena lm init, or an earlier fine-tune)
  std::string out;                    // the fine-tuned checkpoint's directory (must not exist, or be empty)
  std::vector<std::string> games;     // game strings
  std::vector<std::string> teachers;  // one agent spec per game (e.g. minimax for tic_tac_toe, cfr for kuhn_poker)
  std::string format = "mars";        // mars | spiral
  int matches = 64;                   // teacher self-play matches per game
  int steps = 100;                    // optimizer steps
  int batch = 8;                      // sequences per step
  double lr = 1e-3;                   // AdamW, constant, weight decay 0, gradient norm clipped at 1
  std::uint64_t seed = 1;
  std::string device = "auto";        // auto | cpu | cuda
  int threads = 0;                    // match runner threads (0: all cores)
  int log_every = 10;                 // print the loss every this many steps (0: never)
  double max_shard_mb = 0;            // split the written weights into shards of at most this many MiB (0: one file)
};

struct SftResult {
  int sequences = 0;          // training sequences built (one per seat and match)
  std::int64_t tokens = 0;    // their assistant tokens
  int truncated = 0;          // sequences longer than the context, cut to their last tokens
  double first_loss = 0;      // mean NLL per assistant token at step 1 and at the last step
  double last_loss = 0;
};

SftResult run_sft(const SftOptions& o);

}  // namespace arena::trainer
