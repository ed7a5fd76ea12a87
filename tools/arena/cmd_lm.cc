// arena lm init | info | generate, and arena bench lm (call after add_bench_commands).
#include <filesystem>
#include <memory>

#include <fmt/core.h>

#include "games/api/params.h"
#include "tools/arena/commands.h"
#ifdef ARENA_HAVE_TORCH
#include "agents/lm/lm_tools.h"
#include "trainer/lm_sft.h"
#endif

namespace fs = std::filesystem;

namespace arena::cli {
namespace {

#ifndef ARENA_HAVE_TORCH
[[noreturn]] void no_torch(const char* what) {
  throw Error(std::string(what) + " needs LibTorch, and this build has none (run tools/install.sh, then tools/build.sh)");
}
#endif

// The repository root above the binary or the working directory (for tools/bench_lm_hf.py and .venv).
fs::path repo_root() {
  std::vector<fs::path> starts;
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) starts.push_back(exe.parent_path());
  starts.push_back(fs::current_path());
  for (auto dir : starts)
    for (; !dir.empty(); dir = dir.parent_path()) {
      if (fs::exists(dir / "tools" / "bench_lm_hf.py")) return dir;
      if (dir == dir.root_path()) break;
    }
  return {};
}

}  // namespace

void add_lm_commands(CLI::App& app, Commands& commands) {
  auto* lm = app.add_subcommand("lm", "Language-model checkpoints: create, inspect, sample");
  lm->require_subcommand(1);

#ifdef ARENA_HAVE_TORCH
  auto init = std::make_shared<lm::InitOptions>();
#else
  auto init = std::make_shared<int>(0);
#endif
  auto* i = lm->add_subcommand("init", "Write a randomly initialised Qwen3-architecture model and its tokenizer");
#ifdef ARENA_HAVE_TORCH
  i->add_option("--out,-o", init->out, "New model directory")->required();
  i->add_option("--size", init->size, "micro, tiny, small, 25m, or an HF config.json");
  i->add_option("--tokenizer", init->tokenizer, "byte (built in) or a tokenizer.json to copy");
  i->add_option("--seed", init->seed, "Initialisation seed");
  i->add_option("--context", init->context, "Longest sequence in tokens (presets)")->check(positive_number());
  i->add_option("--dtype", init->dtype, "Stored weight type")->check(CLI::IsMember({"float32", "bfloat16"}));
  i->add_option("--max-shard-mb", init->max_shard_mb, "Split weights into shards of at most this many MiB (0: one file)");
#endif
  commands.emplace_back(i, [=]() -> int {
#ifdef ARENA_HAVE_TORCH
    fmt::print("{}\n", lm::init_model(*init));
    return 0;
#else
    (void)init;
    no_torch("arena lm init");
#endif
  });

  auto dir = std::make_shared<std::string>();
  auto* info = lm->add_subcommand("info", "Describe a model directory");
  info->add_option("dir", *dir, "Model directory")->required();
  commands.emplace_back(info, [=]() -> int {
#ifdef ARENA_HAVE_TORCH
    fmt::print("{}", lm::describe_model(*dir));
    return 0;
#else
    no_torch("arena lm info");
#endif
  });

#ifdef ARENA_HAVE_TORCH
  auto gen = std::make_shared<lm::GenerateOptions>();
#else
  auto gen = std::make_shared<int>(0);
#endif
  auto* g = lm->add_subcommand("generate", "Sample continuations of a prompt");
#ifdef ARENA_HAVE_TORCH
  g->add_option("dir", gen->dir, "Model directory")->required();
  g->add_option("--prompt,-p", gen->prompt, "Prompt text")->required();
  g->add_flag("--chat", gen->chat, "Wrap the prompt as a user message in the Qwen chat template");
  g->add_option("--temperature,-t", gen->temperature, "0 = greedy")->check(non_negative_number());
  g->add_option("--top-k", gen->top_k, "0 = off")->check(non_negative_number());
  g->add_option("--top-p", gen->top_p, "1 = off")->check(CLI::Range(1e-6, 1.0));
  g->add_option("--max-new-tokens,-n", gen->max_new_tokens, "Longest continuation")->check(positive_number());
  g->add_option("--samples", gen->samples, "Continuations (seeds seed, seed+1, ...)")->check(positive_number());
  g->add_option("--seed", gen->seed, "Sampling seed");
  g->add_option("--device", gen->device, "auto, cpu or cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  g->add_option("--stop", gen->stop, "Stop string (repeatable)");
#endif
  commands.emplace_back(g, [=]() -> int {
#ifdef ARENA_HAVE_TORCH
    fmt::print("{}", lm::generate_text(*gen));
    return 0;
#else
    (void)gen;
    no_torch("arena lm generate");
#endif
  });

#ifdef ARENA_HAVE_TORCH
  auto sft = std::make_shared<trainer::SftOptions>();
  auto sft_games = std::make_shared<std::string>(), sft_teachers = std::make_shared<std::string>();
#else
  auto sft = std::make_shared<int>(0);
#endif
  auto* f = lm->add_subcommand("sft", "Fine-tune a model on transcripts of teacher agents (loss on the answers only)");
#ifdef ARENA_HAVE_TORCH
  f->add_option("--model,-m", sft->model, "Starting checkpoint")->required();
  f->add_option("--out,-o", sft->out, "New checkpoint directory")->required();
  f->add_option("--games", *sft_games, "Comma-separated game strings")->required();
  f->add_option("--teachers", *sft_teachers, "Comma-separated agent specs, one per game")->required();
  f->add_option("--format", sft->format, "mars or spiral")->check(CLI::IsMember({"mars", "spiral"}));
  f->add_option("--matches", sft->matches, "Teacher self-play matches per game")->check(positive_number());
  f->add_option("--steps", sft->steps, "Optimizer steps")->check(positive_number());
  f->add_option("--batch", sft->batch, "Sequences per step")->check(positive_number());
  f->add_option("--lr", sft->lr, "AdamW learning rate")->check(positive_number());
  f->add_option("--seed", sft->seed, "Seed of the matches and the batches");
  f->add_option("--device", sft->device, "auto, cpu or cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  f->add_option("--threads", sft->threads, "Match runner threads (0: all cores)");
  f->add_option("--log-every", sft->log_every, "Print the loss every this many steps (0: never)");
  f->add_option("--max-shard-mb", sft->max_shard_mb, "Split the weights into shards of at most this many MiB (0: one file)");
#endif
  commands.emplace_back(f, [=]() -> int {
#ifdef ARENA_HAVE_TORCH
    sft->games = split_list(*sft_games);
    sft->teachers = split_list(*sft_teachers);
    auto r = trainer::run_sft(*sft);
    fmt::print("fine-tuned {} -> {}: {} sequences ({} answer tokens, {} cut to the context), loss {:.4f} -> {:.4f}\n",
               sft->model, sft->out, r.sequences, r.tokens, r.truncated, r.first_loss, r.last_loss);
    return 0;
#else
    (void)sft;
    no_torch("arena lm sft");
#endif
  });

  // arena bench lm
  auto* bench = app.get_subcommand("bench");
#ifdef ARENA_HAVE_TORCH
  auto bo = std::make_shared<lm::LmBenchOptions>();
  auto sizes = std::make_shared<std::string>("tiny,25m");
  auto batches = std::make_shared<std::string>("1,16,64,256");
  auto no_hf = std::make_shared<bool>(false);
#endif
  auto* b = bench->add_subcommand("lm", "LM sampling tokens/s and prompts/s against HF transformers' generate");
#ifdef ARENA_HAVE_TORCH
  b->add_option("--sizes", *sizes, "Model presets, comma-separated");
  b->add_option("--batches", *batches, "Batch sizes, comma-separated");
  b->add_option("--prompt-tokens", bo->prompt_tokens, "Prompt length")->check(positive_number());
  b->add_option("--new-tokens", bo->new_tokens, "Generated tokens per row")->check(positive_number());
  b->add_option("--repeats", bo->repeats, "Timed repetitions (median reported)")->check(positive_number());
  b->add_option("--device", bo->device, "auto, cpu or cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  b->add_option("--dtype", bo->dtype, "auto, float32 or bfloat16")->check(CLI::IsMember({"auto", "float32", "bfloat16"}));
  b->add_option("--python", bo->python, "Python with transformers for the baseline (default: .venv's, else python3)");
  b->add_flag("--no-hf", *no_hf, "Skip the HF baseline");
#endif
  commands.emplace_back(b, [=]() -> int {
#ifdef ARENA_HAVE_TORCH
    bo->sizes = split_list(*sizes);
    bo->batches.clear();
    for (const auto& s : split_list(*batches)) {
      try {
        bo->batches.push_back(std::stoi(s));
      } catch (const std::exception&) {
        throw Error("--batches: '" + s + "' is not a number");
      }
      if (bo->batches.back() < 1) throw Error("--batches: batch sizes must be positive");
    }
    const auto root = repo_root();
    bo->source_dir = root.string();
    if (*no_hf || root.empty()) {
      bo->python.clear();
    } else if (bo->python.empty()) {
      bo->python = fs::exists(root / ".venv" / "bin" / "python") ? (root / ".venv" / "bin" / "python").string() : "python3";
    }
    return lm::run_lm_bench(*bo);
#else
    no_torch("arena bench lm");
#endif
  });
}

}  // namespace arena::cli
