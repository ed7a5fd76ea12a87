// The Qwen3 decoder against `transformers` (logits, greedy continuations, checkpoints both ways, sharded files) and
// its own invariants: KV-cache decoding equals full recomputation, left padding changes nothing, seeded sampling,
// returned log-probs equal recomputed ones, constrained scores equal summed token log-probs.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "agents/lm/generate.h"
#include "agents/lm/model.h"
#include "agents/lm/text/tokenizer.h"
#include "arena/safetensors.h"
#include "games/api/params.h"
// Torch's logging headers define CHECK; Catch's must win, so it comes last.
#undef CHECK
#include "tests/catch_compat.h"

using namespace arena;
using namespace arena::lm;
namespace fs = std::filesystem;

namespace {

std::string python() {
  const std::string venv = ARENA_PYTHON;
  return fs::exists(venv) ? venv : "python3";
}

// Runs the reference script; 77 = torch/transformers missing (the caller skips).
int run_reference(const std::string& args) {
  const std::string cmd = python() + " " + std::string(ARENA_SOURCE_DIR) + "/tests/lm/hf_reference.py " + args +
                          " > /dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// Fresh directories under the system's temp folder, removed when the test binary exits.
struct TempDirs {
  std::vector<fs::path> dirs;
  ~TempDirs() {
    std::error_code ec;
    for (const auto& d : dirs) fs::remove_all(d, ec);
  }
};

std::string temp_dir(const std::string& name) {
  static TempDirs made;
  auto d = fs::temp_directory_path() / ("arena_lm_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  made.dirs.push_back(d);
  return d.string();
}

torch::Tensor tensor_of(const TensorBytes& t) {
  const auto dt = t.dtype == "I64" ? torch::kLong : torch::kFloat32;
  return torch::from_blob(const_cast<std::uint8_t*>(t.data.data()), t.shape, dt).clone();
}

ModelConfig test_config(bool tied) {
  ModelConfig c = preset_model_config("micro", 300);
  c.hidden_size = 64;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 16;
  c.intermediate_size = 96;
  c.num_hidden_layers = 2;
  c.tie_word_embeddings = tied;
  c.rope_theta = 10000.0;
  c.initializer_range = 0.25;
  return c;
}

std::vector<std::int64_t> row_lengths(const torch::Tensor& mask) {
  auto s = mask.sum(1).to(torch::kLong);
  return std::vector<std::int64_t>(s.data_ptr<std::int64_t>(), s.data_ptr<std::int64_t>() + s.numel());
}

// A tokenizer whose tokens are all distinct strings, so generation works over any vocabulary size.
class NumberTokenizer : public Tokenizer {
 public:
  explicit NumberTokenizer(int v) : v_(v) {}
  std::vector<std::int32_t> encode(std::string_view) const override { return {}; }
  std::string token_bytes(std::int32_t id) const override { return "[" + std::to_string(id) + "]"; }
  int vocab_size() const override { return v_; }
  std::string kind() const override { return "test"; }

 private:
  int v_;
};

}  // namespace

TEST_CASE("A transformers-made Qwen3 loads and gives the same logits and greedy tokens", "[lm][parity]") {
  for (const std::string variant : {"untied", "tied", "odd"}) {
    const std::string dir = temp_dir("hf_" + variant);
    const int rc = run_reference("make " + dir + " " + variant + " 40 float32 cpu");
    if (rc == 77) {
      WARN("skipped: transformers is not installed");
      return;
    }
    REQUIRE(rc == 0);
    if (variant != "tied") REQUIRE(fs::exists(dir + "/model.safetensors.index.json"));  // sharded at 40 KB
    auto model = load_model(dir, torch::kCPU, torch::kFloat32);
    auto ref = read_safetensors(dir + "/reference.safetensors");
    auto ids = tensor_of(ref.tensors.at("ids")), mask = tensor_of(ref.tensors.at("mask"));
    auto expected = tensor_of(ref.tensors.at("logits"));
    auto lengths = row_lengths(mask);
    auto [pos, valid] = left_padded_positions(lengths, ids.size(1), torch::kCPU);
    torch::Tensor logits;
    {
      torch::NoGradGuard ng;
      logits = model.forward(ids, pos, valid);
    }
    auto diff = (logits - expected).abs().index({valid}).max().item<double>();
    INFO("max |arena - hf| = " << diff);
    CHECK(diff < 1e-4);

    // Greedy continuations, batched and left-padded like HF generate.
    NumberTokenizer tok(300);
    std::vector<GenerationRequest> reqs;
    for (std::int64_t b = 0; b < ids.size(0); ++b) {
      GenerationRequest r;
      for (std::int64_t t = ids.size(1) - lengths[b]; t < ids.size(1); ++t)
        r.prompt.push_back(static_cast<std::int32_t>(ids[b][t].item<std::int64_t>()));
      reqs.push_back(r);
    }
    SamplingOptions greedy;
    greedy.temperature = 0;
    greedy.max_new_tokens = 8;
    auto gens = generate(model, tok, reqs, greedy);
    auto hf_gen = tensor_of(ref.tensors.at("generated"));
    for (size_t b = 0; b < gens.size(); ++b) {
      std::vector<std::int64_t> mine(gens[b].tokens.begin(), gens[b].tokens.end());
      std::vector<std::int64_t> theirs(hf_gen[b].data_ptr<std::int64_t>(), hf_gen[b].data_ptr<std::int64_t>() + 8);
      CHECK(mine == theirs);
      CHECK(gens[b].finish_reason == "length");
    }
  }
}

TEST_CASE("An Arena-written Qwen3 loads with from_pretrained and agrees", "[lm][parity]") {
  for (std::int64_t shard : {std::int64_t(0), std::int64_t(30000)}) {
    Qwen3Model model(test_config(shard == 0), torch::kCPU, torch::kFloat32);
    model.init_random(5);
    const std::string dir = temp_dir("arena_written_" + std::to_string(shard));
    save_model(model, dir, "float32", shard);
    CHECK(fs::exists(dir + (shard ? "/model.safetensors.index.json" : "/model.safetensors")));
    std::vector<std::int64_t> lengths = {6, 11, 2};
    const std::int64_t width = 11;
    auto ids = torch::randint(0, 300, {3, width}, torch::TensorOptions().dtype(torch::kLong));
    auto [pos, valid] = left_padded_positions(lengths, width, torch::kCPU);
    ids = ids.masked_fill(valid.logical_not(), 0);
    torch::Tensor logits;
    {
      torch::NoGradGuard ng;
      logits = model.forward(ids, pos, valid);
    }
    Safetensors out;
    auto put = [&](const std::string& name, torch::Tensor t, const std::string& dtype) {
      t = t.contiguous();
      TensorBytes b;
      b.dtype = dtype;
      b.shape = t.sizes().vec();
      b.data.resize(static_cast<size_t>(t.numel() * t.element_size()));
      std::memcpy(b.data.data(), t.data_ptr(), b.data.size());
      out.tensors[name] = b;
    };
    put("ids", ids, "I64");
    put("mask", valid.to(torch::kLong), "I64");
    put("logits", logits, "F32");
    write_safetensors(dir + "/arena_logits.safetensors", out);
    const int rc = run_reference("check " + dir + " float32 cpu 1e-4");
    if (rc == 77) {
      WARN("skipped: transformers is not installed");
      return;
    }
    CHECK(rc == 0);

    // And it reloads in Arena bit for bit.
    auto back = load_model(dir, torch::kCPU, torch::kFloat32);
    for (size_t i = 0; i < model.named_parameters().size(); ++i)
      CHECK(torch::equal(model.named_parameters()[i].second, back.named_parameters()[i].second));
  }
}

TEST_CASE("KV-cache decoding equals full recomputation and left padding changes nothing", "[lm]") {
  Qwen3Model model(test_config(true), torch::kCPU, torch::kFloat32);
  model.init_random(11);
  torch::NoGradGuard ng;
  auto seq = torch::randint(0, 300, {1, 12}, torch::TensorOptions().dtype(torch::kLong));
  auto pos = torch::arange(12, torch::kLong).unsqueeze(0);
  auto all_valid = torch::ones({1, 12}, torch::kBool);
  auto full = model.forward(seq, pos, all_valid);
  // Prefill 5 tokens, then one token at a time.
  auto cache = model.make_cache(1, 12);
  auto part = model.forward(seq.narrow(1, 0, 5), pos.narrow(1, 0, 5), all_valid.narrow(1, 0, 5), &cache);
  CHECK(torch::allclose(part, full.narrow(1, 0, 5), 1e-5, 1e-5));
  for (int t = 5; t < 12; ++t) {
    auto step = model.forward(seq.narrow(1, t, 1), pos.narrow(1, t, 1), all_valid.narrow(1, t, 1), &cache);
    CHECK(torch::allclose(step.select(1, 0), full.select(1, t), 1e-5, 1e-5));
  }
  // The same row left-padded by 4 inside a batch with another row.
  auto padded = torch::cat({torch::full({1, 4}, 7, torch::kLong), seq}, 1);
  auto other = torch::randint(0, 300, {1, 16}, torch::TensorOptions().dtype(torch::kLong));
  auto [bpos, bvalid] = left_padded_positions({12, 16}, 16, torch::kCPU);
  auto both = model.forward(torch::cat({padded, other}), bpos, bvalid);
  CHECK(torch::allclose(both[0].narrow(0, 4, 12), full[0], 1e-5, 1e-5));
}

TEST_CASE("Seeded sampling repeats, ignores batch company, and returns the recomputed log-probs", "[lm]") {
  Qwen3Model model(test_config(false), torch::kCPU, torch::kFloat32);
  model.init_random(3);
  NumberTokenizer tok(300);
  SamplingOptions o;
  o.temperature = 0.8;
  o.top_k = 50;
  o.top_p = 0.95;
  o.max_new_tokens = 10;
  GenerationRequest a{{1, 2, 3, 4, 5}, 42}, b{{9, 8}, 7}, c{{100, 101, 102, 103, 104, 105, 106}, 1};
  auto alone = generate(model, tok, std::vector<GenerationRequest>{a}, o);
  auto again = generate(model, tok, std::vector<GenerationRequest>{a}, o);
  auto crowd = generate(model, tok, std::vector<GenerationRequest>{b, a, c}, o);
  CHECK(alone[0].tokens == again[0].tokens);
  CHECK(alone[0].tokens == crowd[1].tokens);
  auto other_seed = generate(model, tok, std::vector<GenerationRequest>{{a.prompt, 43}}, o);
  CHECK(other_seed[0].tokens != alone[0].tokens);
  for (size_t i = 0; i < crowd.size(); ++i) {
    // Recompute every sampled token's log-prob with the training forward pass.
    const auto& req = i == 0 ? b : i == 1 ? a : c;
    std::vector<std::int64_t> full(req.prompt.begin(), req.prompt.end());
    full.insert(full.end(), crowd[i].tokens.begin(), crowd[i].tokens.end());
    auto ids = torch::tensor(full, torch::kLong).unsqueeze(0);
    auto s = score_sequences(model, ids, torch::ones_like(ids, torch::kBool));
    for (size_t t = 0; t < crowd[i].tokens.size(); ++t) {
      const double recomputed = s.logprobs[0][static_cast<std::int64_t>(req.prompt.size() + t - 1)].item<double>();
      CHECK(std::abs(recomputed - crowd[i].logprobs[t]) < 1e-4);
      CHECK(crowd[i].sample_logprobs[t] <= 0.0f);
    }
    CHECK(crowd[i].text.rfind("[" + std::to_string(crowd[i].tokens[0]) + "]", 0) == 0);
  }
  // The noise is the documented hash, wherever it is computed.
  const double u = sampling_uniform(42, 0, 17);
  CHECK(u > 0.0);
  CHECK(u < 1.0);
}

TEST_CASE("Long prompts, prefilled row by row, decode as the training pass scores them", "[lm]") {
  // Prompts of 512 tokens or more take generation's row-by-row causal prefill (shorter ones the masked batch).
  Qwen3Model model(test_config(false), torch::kCPU, torch::kFloat32);
  model.init_random(5);
  NumberTokenizer tok(300);
  SamplingOptions o;
  o.temperature = 0.9;
  o.max_new_tokens = 8;
  auto prompt = [](int n, int salt) {
    std::vector<std::int32_t> p;
    for (int i = 0; i < n; ++i) p.push_back((i * 37 + salt * 11) % 299);
    return p;
  };
  GenerationRequest a{prompt(600, 1), 42}, b{prompt(530, 2), 7}, c{prompt(20, 3), 9};
  auto alone = generate(model, tok, std::vector<GenerationRequest>{a}, o);
  auto crowd = generate(model, tok, std::vector<GenerationRequest>{b, a, c}, o);
  CHECK(alone[0].tokens == crowd[1].tokens);
  for (size_t i = 0; i < crowd.size(); ++i) {
    const auto& req = i == 0 ? b : i == 1 ? a : c;
    std::vector<std::int64_t> full(req.prompt.begin(), req.prompt.end());
    full.insert(full.end(), crowd[i].tokens.begin(), crowd[i].tokens.end());
    auto ids = torch::tensor(full, torch::kLong).unsqueeze(0);
    auto s = score_sequences(model, ids, torch::ones_like(ids, torch::kBool));
    for (size_t t = 0; t < crowd[i].tokens.size(); ++t) {
      const double recomputed = s.logprobs[0][static_cast<std::int64_t>(req.prompt.size() + t - 1)].item<double>();
      CHECK(std::abs(recomputed - crowd[i].logprobs[t]) < 1e-4);
    }
  }
}

TEST_CASE("Stop strings and stop tokens end a row; top-k 1 is greedy", "[lm]") {
  Qwen3Model model(test_config(true), torch::kCPU, torch::kFloat32);
  model.init_random(9);
  NumberTokenizer tok(300);
  SamplingOptions greedy;
  greedy.temperature = 0;
  greedy.max_new_tokens = 6;
  GenerationRequest r{{5, 6, 7}, 1};
  auto g = generate(model, tok, std::vector<GenerationRequest>{r}, greedy);
  REQUIRE(g[0].tokens.size() == 6);
  SamplingOptions k1 = greedy;
  k1.temperature = 1.3;
  k1.top_k = 1;
  CHECK(generate(model, tok, std::vector<GenerationRequest>{r}, k1)[0].tokens == g[0].tokens);
  SamplingOptions stop_tok = greedy;
  stop_tok.stop_tokens = {g[0].tokens[2]};
  auto s = generate(model, tok, std::vector<GenerationRequest>{r}, stop_tok);
  const auto first = std::find(g[0].tokens.begin(), g[0].tokens.end(), g[0].tokens[2]) - g[0].tokens.begin();
  CHECK(s[0].finish_reason == "eos");
  CHECK(s[0].tokens.size() == static_cast<size_t>(first + 1));
  SamplingOptions stop_str = greedy;
  const std::string second = tok.token_bytes(g[0].tokens[1]);
  stop_str.stop_strings = {second.substr(0, second.size() - 1)};  // ends inside the second token
  auto t = generate(model, tok, std::vector<GenerationRequest>{r}, stop_str);
  CHECK(t[0].finish_reason == "stop");
  CHECK(t[0].tokens.size() <= 2);
  CHECK(t[0].text.size() >= stop_str.stop_strings[0].size());
  CHECK(t[0].text.substr(t[0].text.size() - stop_str.stop_strings[0].size()) == stop_str.stop_strings[0]);
  // Of several stop strings completed by one token, the one ending first cuts the text.
  SamplingOptions two = greedy;
  const std::string first_token = tok.token_bytes(g[0].tokens[0]);  // "[n]"
  two.stop_strings = {first_token, first_token.substr(0, 2)};
  auto u = generate(model, tok, std::vector<GenerationRequest>{r}, two);
  CHECK(u[0].text == first_token.substr(0, 2));
  CHECK(u[0].tokens.size() == 1);
}

TEST_CASE("Tokens the tokenizer cannot decode are never sampled", "[lm]") {
  Qwen3Model model(test_config(false), torch::kCPU, torch::kFloat32);  // vocabulary 300
  model.init_random(13);
  NumberTokenizer small(100);
  SamplingOptions o;
  o.temperature = 2.0;
  o.max_new_tokens = 40;
  std::vector<GenerationRequest> reqs;
  for (std::uint64_t k = 0; k < 8; ++k) reqs.push_back({{1, 2, 3}, k});
  for (const auto& g : generate(model, small, reqs, o))
    for (auto t : g.tokens) CHECK(t < 100);
}

TEST_CASE("Constrained scores equal the summed token log-probs of each continuation", "[lm]") {
  Qwen3Model model(test_config(false), torch::kCPU, torch::kFloat32);
  model.init_random(21);
  std::vector<ScoringRequest> reqs = {{{1, 2, 3}, {{4}, {5, 6, 7}, {8, 9}}}, {{10, 11, 12, 13, 14}, {{15, 16}}}};
  auto scores = score_continuations(model, reqs);
  REQUIRE(scores.size() == 2);
  REQUIRE(scores[0].size() == 3);
  for (size_t r = 0; r < reqs.size(); ++r)
    for (size_t c = 0; c < reqs[r].continuations.size(); ++c) {
      std::vector<std::int64_t> full(reqs[r].prompt.begin(), reqs[r].prompt.end());
      full.insert(full.end(), reqs[r].continuations[c].begin(), reqs[r].continuations[c].end());
      auto ids = torch::tensor(full, torch::kLong).unsqueeze(0);
      auto s = score_sequences(model, ids, torch::ones_like(ids, torch::kBool));
      double sum = 0;
      for (size_t t = reqs[r].prompt.size() - 1; t + 1 < full.size(); ++t) sum += s.logprobs[0][t].item<double>();
      CHECK(std::abs(sum - scores[r][c]) < 1e-4);
    }
}

TEST_CASE("Model files with problems give one clear error", "[lm]") {
  const std::string dir = temp_dir("bad");
  CHECK_THROWS_AS(load_model(dir, torch::kCPU, torch::kFloat32), Error);  // no config.json
  Qwen3Model model(test_config(false), torch::kCPU, torch::kFloat32);
  model.init_random(1);
  save_model(model, dir, "bfloat16");
  // bf16 storage loads back as the bf16-rounded weights.
  auto back = load_model(dir, torch::kCPU, torch::kFloat32);
  CHECK(torch::equal(back.named_parameters()[1].second,
                     model.named_parameters()[1].second.to(torch::kBFloat16).to(torch::kFloat32)));
  // A config that disagrees with the weights' shapes.
  auto cfg = test_config(false);
  cfg.intermediate_size = 80;
  {
    std::ofstream(dir + "/config.json") << model_config_json(cfg).dump();
  }
  try {
    load_model(dir, torch::kCPU, torch::kFloat32);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("mlp.gate_proj.weight") != std::string::npos);
  }
  {
    std::ofstream(dir + "/config.json") << R"({"model_type": "llama", "vocab_size": 3})";
  }
  CHECK_THROWS_AS(load_model(dir, torch::kCPU, torch::kFloat32), Error);
  {
    std::ofstream(dir + "/config.json") << "{not json";
  }
  CHECK_THROWS_AS(load_model(dir, torch::kCPU, torch::kFloat32), Error);
}

TEST_CASE("On a CUDA device: fp32 and bf16 parity with transformers, and the CPU's samples", "[lm][parity][gpu]") {
  if (!torch::cuda::is_available()) {
    WARN("skipped: no CUDA device");
    return;
  }
  const torch::Device cuda(torch::kCUDA, 0);
  for (const std::string dtype : {"float32", "bfloat16"}) {
    const std::string dir = temp_dir("hf_cuda_" + dtype);
    const int rc = run_reference("make " + dir + " odd 0 " + dtype + " cuda");
    if (rc == 77) {
      WARN("skipped: transformers is not installed");
      return;
    }
    REQUIRE(rc == 0);
    const bool bf16 = dtype == "bfloat16";
    auto model = load_model(dir, cuda, bf16 ? torch::kBFloat16 : torch::kFloat32);
    auto ref = read_safetensors(dir + "/reference.safetensors");
    auto ids = tensor_of(ref.tensors.at("ids")), mask = tensor_of(ref.tensors.at("mask"));
    auto expected = tensor_of(ref.tensors.at("logits"));
    auto [pos, valid] = left_padded_positions(row_lengths(mask), ids.size(1), cuda);
    torch::Tensor logits;
    {
      torch::NoGradGuard ng;
      logits = model.forward(ids.to(cuda), pos, valid).to(torch::kCPU);
    }
    auto cpu_valid = valid.to(torch::kCPU);
    const double diff = (logits - expected).abs().index({cpu_valid}).max().item<double>();
    const double scale = expected.abs().index({cpu_valid}).max().item<double>();
    const double agree = (logits.argmax(-1) == expected.argmax(-1)).index({cpu_valid}).to(torch::kFloat64).mean().item<double>();
    INFO(dtype << ": max |arena - hf| = " << diff << " (logit scale " << scale << "), argmax agreement " << agree);
    if (bf16) {
      CHECK(diff < 0.03 * scale);
      CHECK(agree >= 0.9);
    } else {
      CHECK(diff < 1e-4);
      CHECK(agree == 1.0);
    }
  }
  // The sampling noise is computed on the device but equals the CPU's: same seed, same tokens in fp32.
  Qwen3Model cpu_model(test_config(false), torch::kCPU, torch::kFloat32);
  cpu_model.init_random(4);
  Qwen3Model gpu_model(test_config(false), torch::kCPU, torch::kFloat32);
  gpu_model.init_random(4);
  gpu_model.to(cuda, torch::kFloat32);
  NumberTokenizer tok(300);
  SamplingOptions o;
  o.max_new_tokens = 12;
  std::vector<GenerationRequest> reqs = {{{1, 2, 3}, 5}, {{7, 8, 9, 10, 11}, 6}};
  auto a = generate(cpu_model, tok, reqs, o), b = generate(gpu_model, tok, reqs, o);
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].tokens == b[i].tokens);
  // The decode step replayed as a CUDA graph gives what eager steps give, filters included.
  SamplingOptions filtered = o;
  filtered.top_k = 40;
  filtered.top_p = 0.9;
  filtered.max_new_tokens = 20;
  SamplingOptions eager = filtered;
  eager.cuda_graphs = false;
  auto g = generate(gpu_model, tok, reqs, filtered), e = generate(gpu_model, tok, reqs, eager);
  for (size_t i = 0; i < g.size(); ++i) {
    CHECK(g[i].tokens == e[i].tokens);
    CHECK(g[i].logprobs == e[i].logprobs);
    CHECK(g[i].sample_logprobs == e[i].sample_logprobs);
  }
  // The fused sampling kernel draws what the tensor ops draw (CUDA builds; otherwise both runs take the tensor path).
  SamplingOptions unfused = filtered;
  unfused.fused_sampling = false;
  unfused.temperature = 1.7;
  SamplingOptions fused = unfused;
  fused.fused_sampling = true;
  std::vector<GenerationRequest> many;
  for (std::uint64_t k = 0; k < 64; ++k) many.push_back({{1, static_cast<std::int32_t>(k % 300), 3}, 1000 + k});
  auto f = generate(gpu_model, tok, many, fused), u = generate(gpu_model, tok, many, unfused);
  for (size_t i = 0; i < f.size(); ++i) CHECK(f[i].tokens == u[i].tokens);
}
