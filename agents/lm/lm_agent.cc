#include "agents/lm/lm_agent.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "agents/lm/model.h"
#include "agents/lm/text/parse.h"
#include "agents/lm/text/tokenizer.h"
#include "games/api/params.h"
#include "games/api/rng.h"

namespace arena::lm {
namespace {

// What the agent remembers of one player's conversation in one match: its response at each of its decisions, keyed
// by the length of the game history when it was asked (a retry overwrites the rejected response).
struct Conversation {
  std::vector<Action> history;                 // the history at the latest decision (to detect a reused match id)
  std::map<std::size_t, std::string> responses;
  std::uint64_t last_used = 0;
};

// A model directory, or a training run directory (`arena train` with policy.kind lm): then its latest checkpoint's
// model.
std::string model_dir(const std::string& path) {
  const auto latest = std::filesystem::path(path) / "latest.json";
  const std::filesystem::path dir(path);
  if (std::filesystem::exists(dir / "model.safetensors") || std::filesystem::exists(dir / "model.safetensors.index.json") ||
      !std::filesystem::exists(latest))
    return path;
  std::ifstream in(latest);
  try {
    const auto j = nlohmann::json::parse(in);
    return (std::filesystem::path(path) / j.at("path").get<std::string>() / "model").string();
  } catch (const nlohmann::json::exception& e) {
    throw Error(latest.string() + " is malformed: " + e.what());
  }
}

class LmAgent : public Agent {
 public:
  LmAgent(LmAgentOptions o, std::string spec) : o_(std::move(o)), spec_(std::move(spec)) {
    load();
    finish_setup();
  }
  LmAgent(LmAgentOptions o, std::shared_ptr<Qwen3Model> model, std::shared_ptr<const Tokenizer> tokenizer,
          std::string spec, LmRecorder recorder)
      : o_(std::move(o)), spec_(std::move(spec)), model_(std::move(model)), tokenizer_(std::move(tokenizer)),
        recorder_(std::move(recorder)) {
    finish_setup();
  }

  void load() {
    torch::Device device = torch::kCPU;
    if (o_.device == "cuda" || (o_.device == "auto" && torch::cuda::is_available())) {
      if (!torch::cuda::is_available()) throw Error("agent " + spec_ + ": device=cuda but no CUDA device is available");
      device = torch::Device(torch::kCUDA, 0);
    } else if (o_.device != "cpu" && o_.device != "auto") {
      throw Error("agent " + spec_ + ": device must be auto, cpu or cuda");
    }
    const auto dtype = o_.dtype == "auto" ? (device.is_cuda() ? torch::kBFloat16 : torch::kFloat32) : parse_dtype(o_.dtype);
    const auto dir = model_dir(o_.checkpoint);
    model_ = std::make_shared<Qwen3Model>(load_model(dir, device, dtype));
    tokenizer_ = load_tokenizer(dir);
  }

  void finish_setup() {
    if (tokenizer_->vocab_size() > model_->config().vocab_size)
      throw Error("agent " + spec_ + ": the tokenizer has " + std::to_string(tokenizer_->vocab_size()) +
                  " tokens but the model only " + std::to_string(model_->config().vocab_size));
    for (const char* s : {"<|im_end|>", "<|endoftext|>"})
      if (auto id = tokenizer_->special_token(s)) o_.sampling.stop_tokens.push_back(*id);
    if (o_.format == PromptFormat::kMars) o_.sampling.stop_strings = {"</answer>"};
  }

  std::string spec() const override { return spec_; }
  bool answers_in_text() const override { return !o_.constrained; }

  std::vector<Decision> act(std::span<const DecisionRequest> requests) override {
    ++calls_;
    std::vector<Decision> out;
    out.reserve(requests.size());
    for (std::size_t lo = 0; lo < requests.size(); lo += static_cast<std::size_t>(o_.max_batch)) {
      const auto n = std::min<std::size_t>(static_cast<std::size_t>(o_.max_batch), requests.size() - lo);
      auto part = o_.constrained ? act_constrained(requests.subspan(lo, n)) : act_free(requests.subspan(lo, n));
      for (auto& d : part) out.push_back(std::move(d));
    }
    forget_idle();
    return out;
  }

  std::optional<std::vector<double>> action_probabilities(const State& state, Player player) override {
    if (!o_.constrained) return std::nullopt;
    DecisionRequest r;
    r.state = &state;
    r.player = player;
    auto scores = score(std::span<const DecisionRequest>(&r, 1));
    return policy(scores[0]);
  }

 private:
  std::vector<std::string> legal_strings(const State& s, Player p) const {
    std::vector<std::string> out;
    for (Action a : s.legal_actions()) out.push_back(s.action_to_string(p, a));
    return out;
  }

  Conversation& conversation(const DecisionRequest& r) {
    Conversation& c = memory_[{r.match_id, r.player}];
    const auto& h = r.state->history();
    // A match id seen before with a different game (a new run reusing the agent): start over.
    if (c.history.size() > h.size() || !std::equal(c.history.begin(), c.history.end(), h.begin())) c = Conversation{};
    c.history = h;
    c.last_used = calls_;
    return c;
  }

  // The rendered prompt of request r, as token ids.
  std::vector<std::int32_t> prompt_ids(const DecisionRequest& r, bool for_scoring) {
    std::vector<std::string> own;
    RetryInfo retry;
    const RetryInfo* retry_ptr = nullptr;
    if (!for_scoring && o_.format == PromptFormat::kMars) {
      // One entry per earlier decision of this player, in order; "" where no response is remembered (the prompt
      // then shows the chosen action instead).
      Conversation& c = conversation(r);
      const auto& h = r.state->history();
      auto s = r.state->game().new_initial_state();
      for (std::size_t i = 0; i < h.size(); ++i) {
        if (s->current_player() == r.player) {
          auto it = c.responses.find(i);
          own.push_back(it == c.responses.end() ? std::string() : it->second);
        }
        s->apply_action(h[i]);
      }
    }
    if (!for_scoring && r.attempt > 0) {
      retry.attempt = r.attempt;
      retry.error = r.error;
      if (auto it = memory_.find({r.match_id, r.player}); it != memory_.end()) {
        auto jt = it->second.responses.find(r.state->history().size());
        if (jt != it->second.responses.end()) retry.rejected_response = jt->second;
      }
      retry_ptr = &retry;
    }
    auto messages = build_messages(o_.format, *r.state, r.player, own, retry_ptr);
    const auto text = render_chat(messages, chat_style_for(o_.format), /*add_generation_prompt=*/true);
    return tokenizer_->encode(text);
  }

  std::string too_long(std::size_t tokens, std::size_t extra) const {
    return "no response: the prompt has " + std::to_string(tokens) + " tokens and with " + std::to_string(extra) +
           " more exceeds the model's context of " + std::to_string(model_->config().max_position_embeddings);
  }

  std::vector<Decision> act_free(std::span<const DecisionRequest> requests) {
    std::vector<Decision> out(requests.size());
    std::vector<GenerationRequest> gen;
    std::vector<std::size_t> which;
    const auto context = static_cast<std::size_t>(model_->config().max_position_embeddings);
    for (std::size_t i = 0; i < requests.size(); ++i) {
      auto ids = prompt_ids(requests[i], false);
      if (ids.size() + static_cast<std::size_t>(o_.sampling.max_new_tokens) > context) {
        out[i].error = too_long(ids.size(), o_.sampling.max_new_tokens);
        continue;
      }
      gen.push_back({std::move(ids), requests[i].seed ^ (static_cast<std::uint64_t>(requests[i].attempt) << 56)});
      which.push_back(i);
    }
    auto results = generate(*model_, *tokenizer_, gen, o_.sampling);
    const std::string lead = o_.format == PromptFormat::kMars ? "<think>\n" : "";
    for (std::size_t k = 0; k < results.size(); ++k) {
      const auto& r = requests[which[k]];
      const auto& g = results[k];
      Decision& d = out[which[k]];
      const std::string raw = lead + g.text;
      const auto legal = legal_strings(*r.state, r.player);
      auto parsed = parse_answer(raw, o_.format, legal);
      if (parsed.ok()) d.action = r.state->legal_actions()[static_cast<std::size_t>(*parsed.index)];
      else d.error = parsed.error;
      d.text = raw;
      double lp = 0;
      for (float x : g.logprobs) lp += x;
      d.logprob = lp;
      nlohmann::json meta = {{"tokens", g.tokens.size()}, {"finish", g.finish_reason}};
      if (!parsed.ok()) meta["parse_error"] = parsed.error;
      d.meta_json = meta.dump();
      conversation(r).responses[r.state->history().size()] = raw;
      if (recorder_) {
        LmTurnRecord rec;
        rec.match_id = r.match_id;
        rec.player = r.player;
        rec.ply = static_cast<int>(r.state->history().size());
        rec.attempt = r.attempt;
        rec.prompt = gen[k].prompt;
        rec.response = g.tokens;
        rec.logprobs = g.logprobs;
        rec.parsed = parsed.ok();
        recorder_(std::move(rec));
      }
    }
    return out;
  }

  // log p(continuation_a | prompt) for every legal action of every request.
  std::vector<std::vector<double>> score(std::span<const DecisionRequest> requests) {
    std::vector<ScoringRequest> reqs;
    const auto context = static_cast<std::size_t>(model_->config().max_position_embeddings);
    for (const auto& r : requests) {
      ScoringRequest s;
      s.prompt = prompt_ids(r, true);
      std::size_t longest = 0;
      for (const auto& a : legal_strings(*r.state, r.player)) {
        auto ids = tokenizer_->encode(constrained_continuation(o_.format, a));
        if (auto end = tokenizer_->special_token("<|im_end|>")) ids.push_back(*end);
        longest = std::max(longest, ids.size());
        s.continuations.push_back(std::move(ids));
      }
      // Constrained play must answer: a prompt too long for the context keeps its last tokens (the current state
      // and legal actions come last in both formats).
      if (longest >= context) throw Error("agent " + spec_ + ": an action continuation is longer than the context");
      if (s.prompt.size() + longest > context)
        s.prompt.erase(s.prompt.begin(), s.prompt.begin() + static_cast<std::ptrdiff_t>(s.prompt.size() + longest - context));
      reqs.push_back(std::move(s));
    }
    return score_continuations(*model_, reqs);
  }

  // π(a) ∝ exp(score_a / T); T = 0 puts all mass on the first best action.
  std::vector<double> policy(const std::vector<double>& scores) const {
    std::vector<double> p(scores.size(), 0.0);
    const double T = o_.sampling.temperature;
    const auto best = std::max_element(scores.begin(), scores.end()) - scores.begin();
    if (T == 0) {
      p[static_cast<std::size_t>(best)] = 1.0;
      return p;
    }
    double total = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) total += p[i] = std::exp((scores[i] - scores[best]) / T);
    for (auto& x : p) x /= total;
    return p;
  }

  std::vector<Decision> act_constrained(std::span<const DecisionRequest> requests) {
    auto scores = score(requests);
    std::vector<Decision> out(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const auto& r = requests[i];
      const auto p = policy(scores[i]);
      Rng rng(r.seed);
      const double u = rng.uniform();
      std::size_t k = 0;
      for (double cum = 0; k + 1 < p.size(); ++k) {
        cum += p[k];
        if (u < cum) break;
      }
      while (p[k] == 0 && k > 0) --k;  // rounding left u past the total: the last action with mass
      const auto legal = r.state->legal_actions();
      out[i].action = legal[k];
      out[i].logprob = std::log(p[k]);
      const std::string lead = o_.format == PromptFormat::kMars ? "<think>\n" : "";
      out[i].text = lead + constrained_continuation(o_.format, r.state->action_to_string(r.player, legal[k]));
      nlohmann::json meta = {{"action_logprobs", scores[i]}};
      out[i].meta_json = meta.dump();
    }
    return out;
  }

  void forget_idle() {
    // Conversations of matches that have not asked for a long time are over.
    if (memory_.size() < 4096) return;
    for (auto it = memory_.begin(); it != memory_.end();)
      it = calls_ - it->second.last_used > 1000 ? memory_.erase(it) : std::next(it);
  }

  LmAgentOptions o_;
  std::string spec_;
  std::shared_ptr<Qwen3Model> model_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  LmRecorder recorder_;
  std::map<std::pair<std::uint64_t, Player>, Conversation> memory_;
  std::uint64_t calls_ = 0;
};

}  // namespace

std::unique_ptr<Agent> make_lm_agent(const LmAgentOptions& options, const std::string& spec) {
  return std::make_unique<LmAgent>(options, spec);
}

std::unique_ptr<Agent> make_lm_agent(const LmAgentOptions& options, std::shared_ptr<Qwen3Model> model,
                                     std::shared_ptr<const Tokenizer> tokenizer, const std::string& spec,
                                     LmRecorder recorder) {
  if (!model || !tokenizer) throw Error("agent " + spec + ": no model");
  return std::make_unique<LmAgent>(options, std::move(model), std::move(tokenizer), spec, std::move(recorder));
}

void register_lm_agent() {
  static bool done = false;
  if (done) return;
  done = true;
  AgentRegistry::global().add(
      {"lm",
       "a language model (Qwen3 architecture, safetensors checkpoint) that reads the game as text: free-form answers "
       "parsed from MARS or SPIRAL responses, or a constrained choice scored over the legal action strings",
       {string_param("checkpoint", "", {}, "model directory: config.json, model.safetensors (or shards), tokenizer.json"),
        string_param("mode", "free", {"free", "constrained"}, "generate and parse, or score the legal actions"),
        string_param("format", "mars", {"mars", "spiral"}, "prompt and answer format"),
        double_param("temperature", 0.6, 0, 100, "sampling temperature; 0 = greedy"),
        int_param("top_k", 0, 0, 1000000, "sample among the k most likely tokens; 0 = all"),
        double_param("top_p", 1.0, 1e-6, 1, "nucleus sampling mass"),
        int_param("max_new_tokens", 256, 1, 1000000, "longest response in tokens (free mode)"),
        string_param("device", "auto", {"auto", "cpu", "cuda"}, "where the model runs"),
        string_param("dtype", "auto", {"auto", "float32", "bfloat16"}, "weights and activations; auto = bfloat16 on cuda"),
        int_param("batch", 256, 1, 1000000, "decisions per forward batch")},
       [](const GameParams& p, const std::string& spec) -> AgentPtr {
         LmAgentOptions o;
         o.checkpoint = p.get_string("checkpoint");
         if (o.checkpoint.empty()) throw Error("agent 'lm' needs checkpoint=DIR (see arena lm init)");
         o.constrained = p.get_string("mode") == "constrained";
         o.format = p.get_string("format") == "spiral" ? PromptFormat::kSpiral : PromptFormat::kMars;
         o.sampling.temperature = p.get_double("temperature");
         o.sampling.top_k = static_cast<int>(p.get_int("top_k"));
         o.sampling.top_p = p.get_double("top_p");
         o.sampling.max_new_tokens = static_cast<int>(p.get_int("max_new_tokens"));
         o.device = p.get_string("device");
         o.dtype = p.get_string("dtype");
         o.max_batch = static_cast<int>(p.get_int("batch"));
         return make_lm_agent(o, spec);
       }});
}

}  // namespace arena::lm
