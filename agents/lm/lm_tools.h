// What the `arena lm` commands and `arena bench lm` run (torch-free header; LibTorch builds only).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace arena::lm {

struct InitOptions {
  std::string out;                  // the new model directory (must not exist, or be empty)
  std::string size = "tiny";        // a preset of model_config.h, or a path to an HF config.json
  std::string tokenizer = "byte";   // "byte" or a tokenizer.json (copied into the directory)
  std::uint64_t seed = 1;
  int context = 4096;               // max_position_embeddings
  std::string dtype = "float32";    // how the weights are stored
  double max_shard_mb = 0;          // split the weights into shards of at most this many MiB; 0 = one file
};
// Writes a randomly initialised model, its config.json and tokenizer.json; returns a one-line summary.
std::string init_model(const InitOptions& o);

// One line per fact of a model directory: architecture, parameter count, weight files, tokenizer.
std::string describe_model(const std::string& dir);

struct GenerateOptions {
  std::string dir;
  std::string prompt;               // raw text (special tokens such as <|im_start|> are recognised)
  bool chat = false;                // wrap the prompt as one user message in the Qwen chat template
  double temperature = 1.0;
  int top_k = 0;
  double top_p = 1.0;
  int max_new_tokens = 64;
  int samples = 1;
  std::uint64_t seed = 1;
  std::string device = "auto";
  std::vector<std::string> stop;
};
// One block per sample: the generated text, token count, finish reason and the summed log-probability.
std::string generate_text(const GenerateOptions& o);

struct LmBenchOptions {
  std::vector<std::string> sizes = {"tiny", "25m"};
  std::vector<int> batches = {1, 16, 64, 256};
  int prompt_tokens = 64;
  int new_tokens = 32;
  int repeats = 3;
  std::string device = "auto";
  std::string dtype = "auto";
  std::string python;               // runs tools/bench_lm_hf.py for the HF generate baseline; empty = skip it
  std::string source_dir;           // where tools/bench_lm_hf.py lives
};
// Prints a table: per size and batch, Arena's sampling tokens/s and prompts/s, HF generate's on the same weights,
// prompts and lengths, and the ratio.
int run_lm_bench(const LmBenchOptions& o);

}  // namespace arena::lm
