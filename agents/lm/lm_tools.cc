#include "agents/lm/lm_tools.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "agents/lm/generate.h"
#include "agents/lm/model.h"
#include "agents/lm/text/prompt.h"
#include "agents/lm/text/tokenizer.h"
#include "games/api/params.h"

namespace arena::lm {
namespace fs = std::filesystem;
namespace {

torch::Device pick_device(const std::string& d) {
  if (d == "cpu") return torch::kCPU;
  if (d == "cuda" || d == "auto") {
    if (torch::cuda::is_available()) return torch::Device(torch::kCUDA, 0);
    if (d == "cuda") throw Error("device cuda requested but no CUDA device is available");
    return torch::kCPU;
  }
  throw Error("device must be auto, cpu or cuda (got '" + d + "')");
}

std::string fmt_double(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

void sync(torch::Device d) {
  if (d.is_cuda()) torch::cuda::synchronize();
}

}  // namespace

std::string init_model(const InitOptions& o) {
  if (o.out.empty()) throw Error("arena lm init needs --out DIR");
  if (fs::exists(o.out) && !(fs::is_directory(o.out) && fs::is_empty(o.out)))
    throw Error(o.out + " already exists and is not an empty directory");
  auto tokenizer = load_tokenizer(o.tokenizer);
  ModelConfig c;
  if (fs::exists(o.size) && fs::is_regular_file(o.size)) {
    c = read_model_config(o.size);
    if (c.vocab_size < tokenizer->vocab_size())
      throw Error(o.size + ": vocab_size " + std::to_string(c.vocab_size) + " is smaller than the tokenizer's " +
                  std::to_string(tokenizer->vocab_size()));
  } else {
    c = preset_model_config(o.size, tokenizer->vocab_size());
    c.max_position_embeddings = o.context;
  }
  if (auto id = tokenizer->special_token("<|im_end|>")) c.eos_token_id = *id;
  if (auto id = tokenizer->special_token("<|endoftext|>")) c.pad_token_id = *id;
  if (o.max_shard_mb < 0) throw Error("--max-shard-mb must be >= 0");
  Qwen3Model model(c, torch::kCPU, torch::kFloat32);
  model.init_random(o.seed);
  fs::create_directories(o.out);
  save_model(model, o.out, o.dtype, static_cast<std::int64_t>(o.max_shard_mb * 1024 * 1024));
  if (o.tokenizer == "byte") {
    write_byte_tokenizer_json((fs::path(o.out) / "tokenizer.json").string());
  } else {
    const fs::path src = fs::is_directory(o.tokenizer) ? fs::path(o.tokenizer) / "tokenizer.json" : fs::path(o.tokenizer);
    fs::copy_file(src, fs::path(o.out) / "tokenizer.json", fs::copy_options::overwrite_existing);
  }
  return "wrote " + o.out + ": " + c.summary();
}

std::string describe_model(const std::string& dir) {
  const auto c = read_model_config((fs::path(dir) / "config.json").string());
  std::ostringstream os;
  os << "model       qwen3 " << c.summary() << "\n";
  os << "context     " << c.max_position_embeddings << " tokens, rope_theta " << c.rope_theta << "\n";
  os << "stored as   " << c.dtype << "\n";
  std::uintmax_t bytes = 0;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto f = e.path().filename().string();
    if (f.size() > 12 && f.compare(f.size() - 12, 12, ".safetensors") == 0) {
      files.push_back(f);
      bytes += e.file_size();
    }
  }
  std::sort(files.begin(), files.end());
  os << "weights     " << files.size() << " file(s), " << fmt_double("%.2f", bytes / 1048576.0) << " MiB";
  if (!files.empty()) os << " (" << files.front() << (files.size() > 1 ? ", ..." : "") << ")";
  os << "\n";
  auto tok = load_tokenizer(dir);
  os << "tokenizer   " << tok->kind() << ", " << tok->vocab_size() << " tokens\n";
  return os.str();
}

std::string generate_text(const GenerateOptions& o) {
  const auto device = pick_device(o.device);
  auto model = load_model(o.dir, device, device.is_cuda() ? torch::kBFloat16 : torch::kFloat32);
  auto tok = load_tokenizer(o.dir);
  std::string text = o.prompt;
  if (o.chat) {
    std::vector<ChatMessage> m = {{"user", o.prompt}};
    text = render_chat(m, ChatStyle::kQwen, true);
  }
  auto ids = tok->encode(text);
  if (ids.empty()) throw Error("the prompt is empty");
  SamplingOptions s;
  s.temperature = o.temperature;
  s.top_k = o.top_k;
  s.top_p = o.top_p;
  s.max_new_tokens = o.max_new_tokens;
  s.stop_strings = o.stop;
  for (const char* sp : {"<|im_end|>", "<|endoftext|>"})
    if (auto id = tok->special_token(sp)) s.stop_tokens.push_back(*id);
  std::vector<GenerationRequest> reqs;
  for (int i = 0; i < o.samples; ++i) reqs.push_back({ids, o.seed + static_cast<std::uint64_t>(i)});
  auto gens = generate(model, *tok, reqs, s);
  std::ostringstream os;
  for (size_t i = 0; i < gens.size(); ++i) {
    double lp = 0;
    for (float x : gens[i].logprobs) lp += x;
    os << "--- sample " << i << " (seed " << reqs[i].seed << ", " << gens[i].tokens.size() << " tokens, "
       << gens[i].finish_reason << ", log-prob " << fmt_double("%.3f", lp) << ")\n"
       << gens[i].text << "\n";
  }
  return os.str();
}

int run_lm_bench(const LmBenchOptions& o) {
  const auto device = pick_device(o.device);
  const auto dtype = o.dtype == "auto" ? (device.is_cuda() ? torch::kBFloat16 : torch::kFloat32) : parse_dtype(o.dtype);
  const auto tmp = fs::temp_directory_path() / ("arena_bench_lm_" + std::to_string(::getpid()));
  std::printf("arena bench lm: device %s, %s, prompt %d tokens, %d new tokens per row, sampling at T=1, median of %d\n",
              device.is_cuda() ? "cuda" : "cpu", dtype_name(dtype).c_str(), o.prompt_tokens, o.new_tokens, o.repeats);
  std::printf("%-6s %6s %14s %12s %14s %12s %8s\n", "model", "batch", "arena tok/s", "arena p/s", "hf tok/s",
              "hf p/s", "ratio");
  for (const auto& size : o.sizes) {
    ModelConfig c = preset_model_config(size, 263);
    c.max_position_embeddings = o.prompt_tokens + o.new_tokens + 8;
    Qwen3Model model(c, torch::kCPU, torch::kFloat32);
    model.init_random(1);
    fs::remove_all(tmp);
    save_model(model, tmp.string(), "float32");
    model.to(device, dtype);
    // HF baseline on the same weights.
    std::map<int, double> hf;
    if (!o.python.empty()) {
      std::string batches;
      for (int b : o.batches) batches += (batches.empty() ? "" : ",") + std::to_string(b);
      const std::string cmd = o.python + " " + o.source_dir + "/tools/bench_lm_hf.py " + tmp.string() +
                              " --batches " + batches + " --prompt-tokens " + std::to_string(o.prompt_tokens) +
                              " --new-tokens " + std::to_string(o.new_tokens) + " --repeats " +
                              std::to_string(o.repeats) + " --device " + (device.is_cuda() ? "cuda" : "cpu") +
                              " --dtype " + dtype_name(dtype) + " 2>/dev/null";
      std::string output;
      if (FILE* p = popen(cmd.c_str(), "r")) {
        char buf[4096];
        while (size_t n = fread(buf, 1, sizeof buf, p)) output.append(buf, n);
        pclose(p);
      }
      try {
        auto j = nlohmann::json::parse(output);
        for (auto& [b, t] : j.at("batches").items()) hf[std::stoi(b)] = t.get<double>();
      } catch (const std::exception&) {
        std::printf("(HF baseline unavailable: %s)\n", output.empty() ? "no output" : output.substr(0, 200).c_str());
      }
    }
    auto tok = load_tokenizer("byte");
    SamplingOptions s;
    s.temperature = 1.0;
    s.max_new_tokens = o.new_tokens;
    for (int B : o.batches) {
      std::vector<GenerationRequest> reqs(static_cast<size_t>(B));
      for (int b = 0; b < B; ++b) {
        for (int t = 0; t < o.prompt_tokens; ++t) reqs[b].prompt.push_back(1 + (b * 131 + t * 7) % (c.vocab_size - 1));
        reqs[b].seed = static_cast<std::uint64_t>(b);
      }
      generate(model, *tok, reqs, s);  // warm-up
      std::vector<double> times;
      for (int r = 0; r < o.repeats; ++r) {
        sync(device);
        const auto t0 = std::chrono::steady_clock::now();
        auto g = generate(model, *tok, reqs, s);
        sync(device);
        times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        if (g[0].tokens.size() != static_cast<size_t>(o.new_tokens)) throw Error("bench: a row stopped early");
      }
      std::sort(times.begin(), times.end());
      const double t = times[times.size() / 2];
      const double tokens = double(B) * o.new_tokens;
      std::string hf_tok = "-", hf_p = "-", ratio = "-";
      if (hf.count(B)) {
        hf_tok = fmt_double("%.0f", tokens / hf[B]);
        hf_p = fmt_double("%.1f", B / hf[B]);
        ratio = fmt_double("%.2fx", hf[B] / t);
      }
      std::printf("%-6s %6d %14.0f %12.1f %14s %12s %8s\n", size.c_str(), B, tokens / t, B / t, hf_tok.c_str(),
                  hf_p.c_str(), ratio.c_str());
      std::fflush(stdout);
    }
  }
  fs::remove_all(tmp);
  return 0;
}

}  // namespace arena::lm
