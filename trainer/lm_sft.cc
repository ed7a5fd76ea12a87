#include "trainer/lm_sft.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <torch/torch.h>

#include "agents/lm/model.h"
#include "agents/lm/text/parse.h"
#include "agents/lm/text/prompt.h"
#include "agents/lm/text/tokenizer.h"
#include "arena/runner.h"
#include "games/api/params.h"
#include "games/api/registry.h"
#include "games/api/rng.h"

namespace arena::trainer {
namespace fs = std::filesystem;
namespace {

struct Sequence {
  std::vector<std::int32_t> ids;
  std::vector<std::uint8_t> target;  // 1 where the token is the teacher's (an assistant token)
};

// The teacher's answer as the lm agent would have written it.
std::string teacher_response(lm::PromptFormat fmt, const std::string& action) {
  const std::string lead = fmt == lm::PromptFormat::kMars ? "<think>\n" : "";
  return lead + lm::constrained_continuation(fmt, action);
}

// One sequence per seat: the seat's conversation up to its last decision plus its answer there.
std::vector<Sequence> conversations(const Game& game, const std::vector<Action>& history, lm::PromptFormat fmt,
                                    const lm::Tokenizer& tok, int context, int& truncated) {
  std::vector<Sequence> out;
  for (Player p = 0; p < game.num_players(); ++p) {
    auto s = game.new_initial_state();
    std::vector<std::string> responses;
    std::unique_ptr<State> last;  // the state at p's last decision
    std::string last_answer;
    for (Action a : history) {
      if (s->current_player() == p) {
        last = s->clone();
        last_answer = teacher_response(fmt, s->action_to_string(p, a));
        responses.push_back(last_answer);
      }
      s->apply_action(a);
    }
    if (!last) continue;
    responses.pop_back();  // the last answer is the final assistant message, not history
    auto messages = lm::build_messages(fmt, *last, p, responses);
    messages.push_back({"assistant", last_answer});
    Sequence seq;
    for (const auto& seg : lm::render_segments(messages, lm::chat_style_for(fmt), false)) {
      auto ids = tok.encode(seg.text);
      seq.ids.insert(seq.ids.end(), ids.begin(), ids.end());
      seq.target.insert(seq.target.end(), ids.size(), seg.assistant ? 1 : 0);
    }
    if (static_cast<int>(seq.ids.size()) > context) {
      const auto cut = static_cast<std::ptrdiff_t>(seq.ids.size()) - context;
      seq.ids.erase(seq.ids.begin(), seq.ids.begin() + cut);
      seq.target.erase(seq.target.begin(), seq.target.begin() + cut);
      ++truncated;
    }
    out.push_back(std::move(seq));
  }
  return out;
}

}  // namespace

SftResult run_sft(const SftOptions& o) {
  if (o.games.empty()) throw Error("arena lm sft needs --games");
  if (o.games.size() != o.teachers.size())
    throw Error("arena lm sft needs one teacher per game (" + std::to_string(o.games.size()) + " games, " +
                std::to_string(o.teachers.size()) + " teachers)");
  if (o.out.empty()) throw Error("arena lm sft needs --out DIR");
  if (fs::exists(o.out) && !(fs::is_directory(o.out) && fs::is_empty(o.out)))
    throw Error(o.out + " already exists and is not an empty directory");
  if (o.format != "mars" && o.format != "spiral") throw Error("--format must be mars or spiral");
  if (o.steps < 1 || o.batch < 1 || o.matches < 1 || !(o.lr > 0))
    throw Error("--steps, --batch and --matches must be positive, and --lr > 0");
  const auto fmt = o.format == "mars" ? lm::PromptFormat::kMars : lm::PromptFormat::kSpiral;
  torch::Device device = torch::kCPU;
  if (o.device == "cuda" || (o.device == "auto" && torch::cuda::is_available())) {
    if (!torch::cuda::is_available()) throw Error("--device cuda but no CUDA device is available");
    device = torch::Device(torch::kCUDA, 0);
  } else if (o.device != "cpu" && o.device != "auto") {
    throw Error("--device must be auto, cpu or cuda");
  }
  auto model = lm::load_model(o.model, device, torch::kFloat32);
  auto tok = lm::load_tokenizer(o.model);
  const int context = model.config().max_position_embeddings;

  // Teacher transcripts.
  SftResult r;
  std::vector<Sequence> data;
  for (size_t g = 0; g < o.games.size(); ++g) {
    auto game = load_game(o.games[g]);
    auto teacher = make_agent(o.teachers[g]);
    teacher->prepare(*game);
    std::vector<MatchJob> jobs(static_cast<size_t>(o.matches));
    std::vector<int> seats(static_cast<size_t>(game->num_players()), 0);
    for (int i = 0; i < o.matches; ++i) {
      jobs[i].idx = i;
      jobs[i].game = game;
      jobs[i].seats = seats;
      jobs[i].seed = derive_seed(derive_seed(o.seed, g), static_cast<std::uint64_t>(i));
    }
    RunnerOptions ro;
    ro.threads = o.threads;
    ro.record_observations = false;
    std::vector<std::vector<Action>> histories(jobs.size());
    MatchRunner(std::vector<Agent*>{teacher.get()}, ro)
        .run(jobs, nullptr, [&](MatchOutcome&& m) { histories[static_cast<size_t>(m.job->idx)] = std::move(m.history); });
    for (const auto& h : histories)
      for (auto& s : conversations(*game, h, fmt, *tok, context, r.truncated)) data.push_back(std::move(s));
  }
  r.sequences = static_cast<int>(data.size());
  for (const auto& s : data) r.tokens += std::count(s.target.begin(), s.target.end(), 1);
  if (data.empty() || r.tokens == 0) throw Error("the teachers produced no decisions to learn from");

  // Training: batches drawn with Arena's RNG from the seed.
  model.set_requires_grad(true);
  torch::optim::AdamW opt(model.parameters(), torch::optim::AdamWOptions(o.lr).weight_decay(0.0));
  Rng rng(derive_seed(o.seed, 1000003));
  for (int step = 1; step <= o.steps; ++step) {
    std::vector<const Sequence*> batch;
    size_t width = 0;
    for (int b = 0; b < o.batch; ++b) {
      batch.push_back(&data[rng.uniform_int(data.size())]);
      width = std::max(width, batch.back()->ids.size());
    }
    const auto B = static_cast<std::int64_t>(batch.size()), T = static_cast<std::int64_t>(std::max<size_t>(width, 2));
    std::vector<std::int64_t> ids(static_cast<size_t>(B * T), 0);
    std::vector<std::uint8_t> valid(static_cast<size_t>(B * T), 0), target(static_cast<size_t>(B * T), 0);
    for (std::int64_t b = 0; b < B; ++b)
      for (size_t t = 0; t < batch[b]->ids.size(); ++t) {
        ids[b * T + t] = batch[b]->ids[t];
        valid[b * T + t] = 1;
        target[b * T + t] = batch[b]->target[t];
      }
    auto id_t = torch::from_blob(ids.data(), {B, T}, torch::kLong).clone().to(device);
    auto valid_t = torch::from_blob(valid.data(), {B, T}, torch::kUInt8).to(torch::kBool).to(device);
    auto target_t = torch::from_blob(target.data(), {B, T}, torch::kUInt8).to(torch::kFloat32).to(device);
    auto scores = lm::score_sequences(model, id_t, valid_t);
    auto mask = target_t.narrow(1, 1, T - 1);  // token t+1 is predicted at position t
    auto loss = -(scores.logprobs * mask).sum() / mask.sum().clamp_min(1.0);
    opt.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model.parameters(), 1.0);
    opt.step();
    const double l = loss.item<double>();
    if (step == 1) r.first_loss = l;
    r.last_loss = l;
    if (o.log_every > 0 && (step % o.log_every == 0 || step == 1 || step == o.steps))
      std::printf("  step %5d/%d  loss %.4f\n", step, o.steps, l);
  }
  model.set_requires_grad(false);
  lm::save_model(model, o.out, "float32", static_cast<std::int64_t>(o.max_shard_mb * 1024 * 1024));
  fs::copy_file(fs::path(o.model) / "tokenizer.json", fs::path(o.out) / "tokenizer.json",
                fs::copy_options::overwrite_existing);
  return r;
}

}  // namespace arena::trainer
