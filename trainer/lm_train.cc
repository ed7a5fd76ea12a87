#include "trainer/lm_train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <tuple>

#include <torch/torch.h>

#include "agents/lm/lm_agent.h"
#include "agents/lm/lm_tools.h"
#include "agents/lm/model.h"
#include "agents/lm/text/tokenizer.h"
#include "arena/runner.h"
#include "arena/safetensors.h"
#include "arena/store.h"
#include "games/api/params.h"
#include "games/api/registry.h"
#include "games/api/rng.h"
#include "trainer/advantages.h"
#include "trainer/aggregation.h"
#include "trainer/checkpoint.h"
#include "trainer/estimators/estimator.h"
#include "trainer/evaluator.h"
#include "trainer/features.h"
#include "trainer/lm_batch.h"
#include "trainer/lm_sft.h"
#include "trainer/policy.h"
#include "trainer/rollouts.h"
#include "trainer/run_files.h"
#include "trainer/trajectory.h"

namespace fs = std::filesystem;

namespace arena::trainer {
namespace {

constexpr std::uint64_t kShuffleStream = 0x5EED;

using RecordKey = std::tuple<std::uint64_t, int, int, int>;  // (match idx, player, ply, attempt)

// Counts the decisions of the agent it wraps and how many of them were usable answers.
class CountingAgent : public Agent {
 public:
  explicit CountingAgent(Agent& inner) : inner_(inner) {}
  std::string spec() const override { return inner_.spec(); }
  bool answers_in_text() const override { return inner_.answers_in_text(); }
  std::vector<Decision> act(std::span<const DecisionRequest> requests) override {
    auto out = inner_.act(requests);
    for (const auto& d : out) {
      decisions_ += 1;
      valid_ += d.error.empty() && d.action >= 0 ? 1 : 0;
    }
    return out;
  }
  double valid_rate() const { return decisions_ > 0 ? valid_ / decisions_ : 0.0; }

 private:
  Agent& inner_;
  double decisions_ = 0, valid_ = 0;
};

class LmTrainer {
 public:
  LmTrainer(const TrainOptions& opt, const TrainConfig& cfg) : opt_(opt), cfg_(cfg) {}
  TrainResult run();

 private:
  void setup();
  void start_fresh();
  void resume();
  void load_models(const fs::path& policy_dir, const fs::path& ref_dir);
  Metrics train_step(int step);
  Metrics evaluate();
  void save_checkpoint(int step);
  void progress(int step, const Metrics& m, double secs);
  lm::LmAgentOptions agent_options(bool greedy) const;

  TrainOptions opt_;
  TrainConfig cfg_;
  fs::path out_;
  torch::Device device_ = torch::kCPU;
  std::shared_ptr<const GameSlots> slots_;
  std::shared_ptr<lm::Qwen3Model> model_, ref_;
  std::shared_ptr<const lm::Tokenizer> tokenizer_;
  fs::path tokenizer_file_;
  std::string reference_;  // the reference model's directory (relative to the run directory when inside it)
  std::unique_ptr<AdamW> adam_;
  std::unique_ptr<estimators::AdvantageEstimator> estimator_;
  std::unique_ptr<Store> store_;
  std::int64_t run_id_ = 0, learner_agent_id_ = 0;
  std::vector<AgentPtr> opponents_;
  std::vector<std::int64_t> opponent_ids_;
  std::vector<Planned> schedule_;
  std::unique_ptr<Evaluator> evaluator_;
  std::vector<std::string> columns_;
  std::int64_t total_optimizer_steps_ = 0;
  double horizon_ = 1;
  int step_ = 0;
  Metrics start_metrics_;  // SFT figures, written with step 0
  std::map<RecordKey, lm::LmTurnRecord> records_;
  TrainResult result_;
};

lm::LmAgentOptions LmTrainer::agent_options(bool greedy) const {
  const auto& l = cfg_.policy.lm;
  lm::LmAgentOptions o;
  o.constrained = false;
  o.format = l.format == "spiral" ? lm::PromptFormat::kSpiral : lm::PromptFormat::kMars;
  o.sampling.temperature = greedy ? 0.0 : l.temperature;
  o.sampling.top_k = l.top_k;
  o.sampling.top_p = l.top_p;
  o.sampling.max_new_tokens = l.max_new_tokens;
  o.max_batch = cfg_.max_in_flight;
  return o;
}

void LmTrainer::setup() {
  if (!opt_.device.empty()) cfg_.device = opt_.device;
  device_ = training_device(cfg_.device);
  if (cfg_.ppo.kl_estimator != "k3")
    throw Error("ppo.kl_estimator must be k3 for policy.kind lm (the exact KL would need the reference model's whole "
                "vocabulary distribution at every token)");
  torch::set_num_threads(cfg_.threads);
  std::vector<std::string> names;
  for (const auto& g : cfg_.games) names.push_back(g.game);
  slots_ = std::make_shared<GameSlots>(names, false);
  {
    auto options = cfg_.estimator;
    const auto name = options["name"].get<std::string>();
    options.erase("name");
    estimator_ = estimators::make_estimator(name, options);
  }
  schedule_ = make_schedule(cfg_, *slots_, opponents_);
  for (int s = 0; s < slots_->size(); ++s) {
    const auto& game = *slots_->game(s);
    horizon_ = std::max(horizon_, static_cast<double>(game.max_game_length()) * cfg_.policy.lm.max_new_tokens);
  }
  if (cfg_.ppo.norm_horizon > 0) horizon_ = cfg_.ppo.norm_horizon;
  total_optimizer_steps_ = static_cast<std::int64_t>(cfg_.steps) * cfg_.ppo.epochs * cfg_.ppo.minibatches;
  evaluator_ = std::make_unique<Evaluator>(cfg_, *slots_);
  columns_ = {"step", "games", "decisions", "valid_rate", "forfeit_rate", "response_tokens", "games_per_s",
              "tokens_per_s", "seconds", "loss", "pg_loss", "kl", "entropy", "clip_frac", "approx_kl", "grad_norm",
              "lr", "adv_mean", "adv_std", "ppo_tokens_per_s", "turns_per_row", "init/valid_rate", "sft/first_loss", "sft/last_loss",
              "eval/valid_rate"};
  for (int s = 0; s < slots_->size(); ++s)
    for (int p = 0; p < slots_->game(s)->num_players(); ++p)
      columns_.push_back("return/" + slots_->names()[s] + "/p" + std::to_string(p));
  for (const auto& key : evaluator_->keys()) columns_.push_back(key);
}

void LmTrainer::load_models(const fs::path& policy_dir, const fs::path& ref_dir) {
  model_ = std::make_shared<lm::Qwen3Model>(lm::load_model(policy_dir.string(), device_, torch::kFloat32));
  ref_ = std::make_shared<lm::Qwen3Model>(lm::load_model(ref_dir.string(), device_, torch::kFloat32));
  tokenizer_file_ = policy_dir / "tokenizer.json";
  tokenizer_ = lm::load_tokenizer(policy_dir.string());
  if (tokenizer_->vocab_size() > model_->config().vocab_size)
    throw Error(policy_dir.string() + ": the tokenizer has more tokens than the model's vocabulary");
  model_->set_requires_grad(true);
  std::vector<torch::Tensor> params;
  for (const auto& [name, t] : model_->named_parameters()) params.push_back(t);
  adam_ = std::make_unique<AdamW>(params, cfg_.optimizer);
}

void LmTrainer::start_fresh() {
  if (fs::exists(out_ / "latest.json"))
    throw Error("'" + out_.string() + "' already holds a training run; continue it with --resume or choose another --out");
  const auto& l = cfg_.policy.lm;
  fs::create_directories(out_ / "checkpoints");
  // Leftovers of an attempt that never reached its first checkpoint.
  fs::remove_all(out_ / "init");
  fs::remove_all(out_ / "sft");
  fs::path base = l.checkpoint;
  if (base.empty()) {
    lm::InitOptions io;
    io.out = (out_ / "init").string();
    io.size = l.init_size;
    io.tokenizer = l.init_tokenizer;
    io.seed = cfg_.seed;
    io.context = l.init_context;
    io.max_shard_mb = l.shard_mb;
    const auto line = lm::init_model(io);
    if (opt_.progress) std::printf("%s\n", line.c_str());
    base = out_ / "init";
  } else if (fs::exists(base / "latest.json")) {
    base = fs::path(resolve_checkpoint_dir(base.string())) / "model";
  }
  if (l.sft_steps > 0) {
    // How often the starting model answers with a legal action, for comparison with the fine-tuned one.
    load_models(base, base);
    for (const auto& [key, value] : evaluate())
      if (key == "eval/valid_rate") start_metrics_.emplace_back("init/valid_rate", value);
    SftOptions so;
    so.model = base.string();
    so.out = (out_ / "sft").string();
    so.games = l.sft_games;
    so.teachers = l.sft_teachers;
    so.format = l.format;
    so.matches = l.sft_matches;
    so.steps = l.sft_steps;
    so.batch = l.sft_batch;
    so.lr = l.sft_lr;
    so.seed = derive_seed(cfg_.seed, 0x5F7);
    so.device = device_.is_cuda() ? "cuda" : "cpu";
    so.threads = cfg_.threads;
    so.max_shard_mb = l.shard_mb;
    so.log_every = opt_.progress ? std::max(1, l.sft_steps / 10) : 0;
    if (opt_.progress) std::printf("supervised warm start: %d steps on %zu games\n", l.sft_steps, so.games.size());
    const auto r = run_sft(so);
    write_json_atomic(out_ / "sft" / "sft.json", {{"sequences", r.sequences},
                                                  {"tokens", r.tokens},
                                                  {"truncated", r.truncated},
                                                  {"first_loss", r.first_loss},
                                                  {"last_loss", r.last_loss}});
    start_metrics_.emplace_back("sft/first_loss", r.first_loss);
    start_metrics_.emplace_back("sft/last_loss", r.last_loss);
    base = out_ / "sft";
  }
  // Inside the run directory: relative to it (the run can move); elsewhere: absolute.
  reference_ = fs::absolute(base).lexically_normal().string();
  if (base.string().rfind(out_.string(), 0) == 0) reference_ = fs::relative(base, out_).string();
  load_models(base, base);
  store_ = std::make_unique<Store>(opt_.db_path);
  run_id_ = store_->create_run("train", cfg_.to_json().dump(), cfg_.seed);
  write_json_atomic(out_ / "config.json", cfg_.to_json());
  start_metrics_csv(out_ / "metrics.csv", columns_);
  step_ = 0;
}

void LmTrainer::resume() {
  const auto dir = fs::path(resolve_checkpoint_dir(out_.string()));
  const auto state = read_json(dir / "state.json");
  const int step = state.at("step").get<int>();
  run_id_ = state.at("run_id").get<std::int64_t>();
  reference_ = state.at("reference").get<std::string>();
  store_ = std::make_unique<Store>(opt_.db_path);
  auto run = store_->run(run_id_);
  if (!run || run->kind != "train")
    throw Error("--resume: run " + std::to_string(run_id_) + " of '" + out_.string() + "' is not in '" + opt_.db_path +
                "' (pass the --db the run was started with)");
  const fs::path ref = fs::path(reference_).is_absolute() ? fs::path(reference_) : out_ / reference_;
  load_models(dir / "model", ref);
  const auto file = (dir / "optimizer.safetensors").string();
  const auto f = read_safetensors(file);
  for (size_t i = 0; i < model_->named_parameters().size(); ++i) {
    const auto& name = model_->named_parameters()[i].first;
    load_float32_tensor(f, "adam.m." + name, adam_->m()[i], file);
    load_float32_tensor(f, "adam.v." + name, adam_->v()[i], file);
  }
  adam_->set_steps(state.at("optimizer_steps").get<std::int64_t>());
  estimator_->load_state(state.at("estimator_state"));
  store_->truncate_run(run_id_, static_cast<std::int64_t>(step) * static_cast<std::int64_t>(schedule_.size()), step);
  truncate_metrics_csv(out_ / "metrics.csv", step);
  step_ = step;
}

void LmTrainer::save_checkpoint(int step) {
  const auto rel = strf("checkpoints/step-%08d", step);
  const auto dir = out_ / rel;
  fs::create_directories(dir);
  const auto shard = static_cast<std::int64_t>(cfg_.policy.lm.shard_mb * 1024 * 1024);
  lm::save_model(*model_, (dir / "model").string(), "float32", shard);
  fs::copy_file(tokenizer_file_, dir / "model" / "tokenizer.json", fs::copy_options::overwrite_existing);
  Safetensors opt;
  for (size_t i = 0; i < model_->named_parameters().size(); ++i) {
    const auto& name = model_->named_parameters()[i].first;
    opt.tensors["adam.m." + name] = float32_tensor(adam_->m()[i]);
    opt.tensors["adam.v." + name] = float32_tensor(adam_->v()[i]);
  }
  write_safetensors((dir / "optimizer.safetensors").string(), opt);
  if (cfg_.ppo.ref_update_every > 0) {
    // The reference moves during the run: keep the one this checkpoint continues with.
    lm::save_model(*ref_, (dir / "reference").string(), "float32", shard);
    fs::copy_file(tokenizer_file_, dir / "reference" / "tokenizer.json", fs::copy_options::overwrite_existing);
    reference_ = rel + "/reference";
  }
  write_json_atomic(dir / "state.json", {{"step", step},
                                         {"run_id", run_id_},
                                         {"optimizer_steps", adam_->steps()},
                                         {"estimator_state", estimator_->save_state()},
                                         {"reference", reference_},
                                         {"config", cfg_.to_json()}});
  write_json_atomic(out_ / "latest.json", {{"step", step}, {"path", rel}});
  store_->add_checkpoint(run_id_, step, fs::absolute(dir / "model").string());
}

Metrics LmTrainer::evaluate() {
  auto agent = lm::make_lm_agent(agent_options(cfg_.eval.greedy), model_, tokenizer_, "learner");
  CountingAgent counted(*agent);
  auto m = evaluator_->evaluate(counted, [](const std::vector<const State*>&, const std::vector<Player>&)
                                             -> std::vector<std::vector<double>> {
    throw Error("a free-mode language model has no exact action probabilities");
  });
  // The share of the model's answers in the evaluation matches that named a legal action.
  m.emplace_back("eval/valid_rate", counted.valid_rate());
  return m;
}

Metrics LmTrainer::train_step(int step) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t step_seed = derive_seed(cfg_.seed, static_cast<std::uint64_t>(step));
  const std::int64_t first_idx = static_cast<std::int64_t>(step - 1) * static_cast<std::int64_t>(schedule_.size());

  // Rollouts: the live model in every learner seat; every free-mode decision recorded with its tokens.
  records_.clear();
  auto learner = lm::make_lm_agent(agent_options(false), model_, tokenizer_, "learner", [this](lm::LmTurnRecord&& r) {
    const RecordKey key{r.match_id, r.player, r.ply, r.attempt};
    records_[key] = std::move(r);
  });
  std::vector<Agent*> agents{learner.get()};
  for (auto& o : opponents_) agents.push_back(o.get());
  std::vector<std::int64_t> agent_ids{learner_agent_id_};
  agent_ids.insert(agent_ids.end(), opponent_ids_.begin(), opponent_ids_.end());
  auto rollouts = play_rollouts(cfg_, *slots_, schedule_, step, agents, agent_ids, store_.get(), run_id_);
  const auto& jobs = rollouts.jobs;
  const auto& outcomes = rollouts.outcomes;
  const double rollout_s = seconds_since(t0);

  // Turns with MARS's shaped rewards, in (seat, decision) order per match.
  estimators::TurnBatchData data;
  std::vector<TokenTurn> turns;
  std::vector<std::int64_t> turn_group;  // the estimator group of each turn
  std::map<std::pair<int, int>, std::pair<double, int>> returns;
  double decisions = 0, parsed = 0, forfeits = 0, response_tokens = 0;
  for (size_t k = 0; k < outcomes.size(); ++k) {
    const auto& o = outcomes[k];
    const auto& plan = schedule_[k];
    const auto idx = static_cast<std::uint64_t>(first_idx + static_cast<std::int64_t>(k));
    if (o.outcome != "normal") forfeits += 1;
    for (Player p : plan.learner_seats) {
      auto& r = returns[{plan.slot, p}];
      r.first += o.returns[p];
      r.second += 1;
    }
    const auto decided = learner_decisions(o.turns, o.rejected, o.returns, o.outcome == "normal",
                                           plan.learner_seats, cfg_.games[plan.slot].draw_bonus, cfg_.format_bonus);
    std::map<Player, std::int64_t> index_in_traj;
    for (const auto& d : decided) {
      TokenTurn t;
      t.traj = static_cast<std::int64_t>(idx) * kMaxSeats + d.seat;
      auto it = records_.find(RecordKey{idx, d.seat, d.ply, d.attempt});
      if (it != records_.end()) t.rec = &it->second;
      decisions += 1;
      parsed += d.valid ? 1 : 0;
      response_tokens += static_cast<double>(t.response_len());
      turn_group.push_back(estimator_group(cfg_.group_by, plan.slot, d.seat));
      data.add({t.traj, index_in_traj[d.seat]++, d.reward, plan.slot, d.seat, turn_group.back(), t.response_len()});
      turns.push_back(t);
    }
  }
  const auto est = compute_advantages(*estimator_, data.view(), device_);

  // Reference and rollout log-probabilities of every response token (no gradients), per turn.
  const auto& l = cfg_.policy.lm;
  std::vector<std::size_t> train_turns;
  for (std::size_t i = 0; i < turns.size(); ++i)
    if (est.keep[i] && turns[i].rec && turns[i].response_len() > 0) train_turns.push_back(i);
  std::vector<torch::Tensor> old_lp(turns.size()), ref_lp(turns.size());
  const auto t_ppo = std::chrono::steady_clock::now();
  const auto all_packs = pack_turns(turns, train_turns, l.pack);
  score_turn_tokens(*model_, turns, all_packs, l.micro_batch_tokens, l.temperature, device_, old_lp);
  score_turn_tokens(*ref_, turns, all_packs, l.micro_batch_tokens, l.temperature, device_, ref_lp);

  // PPO over minibatches of whole trajectories.
  std::vector<std::int64_t> trajs;
  std::map<std::int64_t, std::vector<std::size_t>> turns_of;
  for (auto t : train_turns) {
    auto& v = turns_of[turns[t].traj];
    if (v.empty()) trajs.push_back(turns[t].traj);
    v.push_back(t);
  }
  PpoConfig ppo = cfg_.ppo;
  if (ppo.kl_coef_final >= 0)
    ppo.kl_coef += (ppo.kl_coef_final - ppo.kl_coef) * static_cast<double>(step - 1) / std::max(1, cfg_.steps - 1);
  double loss_sum = 0, pg_sum = 0, kl_sum = 0, ent_sum = 0, clip_sum = 0, akl_sum = 0, grad_norm_sum = 0, lr = 0;
  double tokens_trained = 0;
  int updates = 0;
  std::vector<torch::Tensor> params;
  for (const auto& [name, t] : model_->named_parameters()) params.push_back(t);
  for (int epoch = 0; epoch < ppo.epochs && !trajs.empty(); ++epoch) {
    Rng rng(derive_seed(step_seed, kShuffleStream + static_cast<std::uint64_t>(epoch)));
    auto order = trajs;
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.uniform_int(i)]);
    const int mbs = std::min<int>(ppo.minibatches, static_cast<int>(order.size()));
    for (int b = 0; b < mbs; ++b) {
      const size_t lo = order.size() * b / mbs, hi = order.size() * (b + 1) / mbs;
      std::vector<std::size_t> mb_turns;
      for (size_t i = lo; i < hi; ++i)
        for (auto t : turns_of[order[i]]) mb_turns.push_back(t);
      const auto chunks = chunk_packs(turns, pack_turns(turns, mb_turns, l.pack), l.micro_batch_tokens);
      // Aggregation weights over the minibatch's tokens, in chunk order (sequence = trajectory).
      std::vector<std::int64_t> seq;
      for (const auto& chunk : chunks)
        for (const auto& pack : chunk)
          for (auto t : pack) seq.insert(seq.end(), static_cast<size_t>(turns[t].response_len()), turns[t].traj);
      const auto w = agg_weights(seq, ppo.aggregation, horizon_);
      std::vector<float> wf(w.begin(), w.end());
      adam_->zero_grad();
      std::int64_t at = 0;
      double mb_tokens = 0;
      for (const auto& chunk : chunks) {
        auto mb = make_micro_batch(turns, chunk, device_);
        std::vector<torch::Tensor> old_parts, ref_parts;
        std::vector<float> adv;
        for (const auto& pack : chunk)
          for (auto t : pack) {
            old_parts.push_back(old_lp[t]);
            ref_parts.push_back(ref_lp[t]);
            adv.insert(adv.end(), static_cast<size_t>(turns[t].response_len()), static_cast<float>(est.advantage[t]));
          }
        const auto n = static_cast<std::int64_t>(adv.size());
        auto advantage = torch::from_blob(adv.data(), {n}, torch::kFloat32).clone().to(device_);
        auto weight = torch::from_blob(wf.data() + at, {n}, torch::kFloat32).clone().to(device_);
        at += n;
        auto scores = lm::score_sequences(*model_, mb.ids, mb.valid, l.temperature);
        auto logp = scores.logprobs.masked_select(mb.response);
        auto ent = scores.entropy.masked_select(mb.response);
        auto ref = torch::cat(ref_parts);
        PpoStats st;
        auto loss = ppo_objective(logp, torch::cat(old_parts), advantage, k3_kl(ref, logp, ppo.kl_clamp), ent, weight,
                                  ppo, &st);
        loss.backward();
        loss_sum += st.loss;
        pg_sum += st.pg_loss;
        kl_sum += st.kl;
        ent_sum += st.entropy;
        clip_sum += st.clip_frac * static_cast<double>(n);
        akl_sum += st.approx_kl * static_cast<double>(n);
        mb_tokens += static_cast<double>(n);
      }
      double gn = 0;
      if (cfg_.optimizer.max_grad_norm > 0) {
        gn = torch::nn::utils::clip_grad_norm_(params, cfg_.optimizer.max_grad_norm);
      } else {
        for (auto& p : params)
          if (p.grad().defined()) gn += p.grad().pow(2).sum().item<double>();
        gn = std::sqrt(gn);
      }
      lr = learning_rate(cfg_.optimizer, adam_->steps(), total_optimizer_steps_);
      adam_->step(lr);
      grad_norm_sum += gn;
      tokens_trained += mb_tokens;
      ++updates;
    }
  }
  // Policy shift for stateful estimators (spo_single's adaptive forgetting): the mean k3 of the updated policy against
  // the rollout policy over the trained tokens, as the action-policy trainer measures it.
  if (estimator_->stateful() && !train_turns.empty()) {
    std::vector<torch::Tensor> now_lp(turns.size());
    score_turn_tokens(*model_, turns, all_packs, l.micro_batch_tokens, l.temperature, device_, now_lp);
    std::map<std::int64_t, std::vector<torch::Tensor>> diffs;  // per group, groups in ascending id
    for (auto t : train_turns) diffs[turn_group[t]].push_back(now_lp[t] - old_lp[t]);
    std::vector<std::int64_t> groups;
    std::vector<double> shift;
    for (const auto& [g, parts] : diffs) {
      auto d = torch::cat(parts);
      const double sum = (d.exp() - d - 1.0).sum().item<double>(), count = static_cast<double>(d.numel());
      groups.push_back(g);
      shift.push_back(count > 0 ? std::max(0.0, sum / count) : 0.0);  // (k3 ≥ 0 but for rounding)
    }
    estimator_->observe_policy_shift(groups, shift);
  }
  if (ppo.ref_update_every > 0 && step % ppo.ref_update_every == 0) {
    torch::NoGradGuard guard;
    for (size_t i = 0; i < model_->named_parameters().size(); ++i)
      ref_->named_parameters()[i].second.copy_(model_->named_parameters()[i].second);
  }
  if (device_.is_cuda()) torch::cuda::synchronize();
  const double ppo_s = seconds_since(t_ppo);

  double adv_mean = 0, adv_sq = 0, kept = 0;
  for (size_t i = 0; i < turns.size(); ++i)
    if (est.keep[i]) adv_mean += est.advantage[i], kept += 1;
  if (kept > 0) adv_mean /= kept;
  for (size_t i = 0; i < turns.size(); ++i)
    if (est.keep[i]) adv_sq += (est.advantage[i] - adv_mean) * (est.advantage[i] - adv_mean);
  const double u = std::max(updates, 1);
  Metrics m = {{"games", static_cast<double>(jobs.size())},
               {"decisions", decisions},
               {"valid_rate", decisions > 0 ? parsed / decisions : 0.0},
               {"forfeit_rate", jobs.empty() ? 0.0 : forfeits / static_cast<double>(jobs.size())},
               {"response_tokens", decisions > 0 ? response_tokens / decisions : 0.0},
               {"games_per_s", static_cast<double>(jobs.size()) / std::max(rollout_s, 1e-9)},
               {"tokens_per_s", response_tokens / std::max(rollout_s, 1e-9)},
               {"ppo_tokens_per_s", tokens_trained / std::max(ppo_s, 1e-9)},
               {"turns_per_row", all_packs.empty() ? 0.0
                                                   : static_cast<double>(train_turns.size()) / all_packs.size()},
               {"loss", loss_sum / u},
               {"pg_loss", pg_sum / u},
               {"kl", kl_sum / u},
               {"entropy", ent_sum / u},
               {"clip_frac", tokens_trained > 0 ? clip_sum / tokens_trained : 0.0},
               {"approx_kl", tokens_trained > 0 ? akl_sum / tokens_trained : 0.0},
               {"grad_norm", grad_norm_sum / u},
               {"lr", lr},
               {"adv_mean", adv_mean},
               {"adv_std", kept > 1 ? std::sqrt(adv_sq / (kept - 1)) : 0.0}};
  for (const auto& [key, r] : returns)
    m.emplace_back("return/" + slots_->names()[key.first] + "/p" + std::to_string(key.second), r.first / r.second);
  records_.clear();
  return m;
}

void LmTrainer::progress(int step, const Metrics& m, double secs) {
  if (!opt_.progress) return;
  std::map<std::string, double> v(m.begin(), m.end());
  std::string line = strf("step %5d/%d", step, cfg_.steps);
  if (v.count("games"))
    line += strf("  %6.2f games/s  valid %.3f  loss %+.4f  kl %.4f  entropy %.3f", v["games_per_s"], v["valid_rate"],
                 v["loss"], v["kl"], v["entropy"]);
  if (v.count("sft/last_loss"))
    line += strf("  sft loss %.4f -> %.4f", v["sft/first_loss"], v["sft/last_loss"]);
  if (v.count("init/valid_rate")) line += strf("  valid before sft %.3f", v["init/valid_rate"]);
  if (v.count("eval/valid_rate")) line += strf("  eval valid %.3f", v["eval/valid_rate"]);
  for (int s = 0; s < slots_->size(); ++s) {
    std::string ret;
    for (int p = 0; p < slots_->game(s)->num_players(); ++p) {
      auto it = v.find("return/" + slots_->names()[s] + "/p" + std::to_string(p));
      if (it != v.end()) ret += strf(" %+.3f", it->second);
    }
    if (!ret.empty()) line += "  " + slots_->game(s)->type().short_name + ret;
    auto sp = v.find("eval/" + slots_->names()[s] + "/self_play/return");
    if (sp != v.end()) line += strf("  self-play score %.3f", sp->second);
    for (const auto& spec : cfg_.eval.opponents)
      for (int p = 0; p < slots_->game(s)->num_players(); ++p) {
        auto it = v.find("eval/" + slots_->names()[s] + "/" + spec + "/p" + std::to_string(p) + "/loss");
        if (it != v.end()) line += strf("  vs %s p%d loss %.3f", spec.c_str(), p, it->second);
      }
  }
  line += strf("  (%.1f s)", secs);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

TrainResult LmTrainer::run() {
  out_ = fs::path(opt_.out_dir);
  setup();
  if (opt_.resume) resume();
  else start_fresh();
  learner_agent_id_ = store_->agent_id("learner(run=" + std::to_string(run_id_) + ")");
  for (auto& o : opponents_) opponent_ids_.push_back(store_->agent_id(o->spec()));
  result_.run_id = run_id_;
  const auto t0 = std::chrono::steady_clock::now();
  auto record_eval = [&](const Metrics& e, bool first) {
    for (const auto& [k, v] : e) {
      if (first) result_.first_eval[k] = v;
      result_.last_eval[k] = v;
    }
  };
  auto write = [&](int step, const Metrics& m) {
    store_->write_metrics(run_id_, step, m);
    append_metrics_csv(out_ / "metrics.csv", columns_, step, m);
  };
  if (!opt_.resume) {
    auto e = evaluate();
    record_eval(e, true);
    auto m = e;
    m.insert(m.end(), start_metrics_.begin(), start_metrics_.end());
    write(0, m);
    progress(0, m, seconds_since(t0));
    save_checkpoint(0);
  }
  const int last = opt_.until_step > 0 ? std::min(opt_.until_step, cfg_.steps) : cfg_.steps;
  while (step_ < last) {
    const int step = ++step_;
    auto ts = std::chrono::steady_clock::now();
    auto m = train_step(step);
    const bool eval_now = step == cfg_.steps || (cfg_.eval.every > 0 && step % cfg_.eval.every == 0);
    if (eval_now) {
      auto e = evaluate();
      record_eval(e, result_.first_eval.empty());
      m.insert(m.end(), e.begin(), e.end());
    }
    m.emplace_back("seconds", seconds_since(ts));
    write(step, m);
    for (const auto& [k, v] : m) result_.steps_metrics[k].push_back(v);
    if (eval_now || step % std::max(1, opt_.progress_every) == 0) progress(step, m, seconds_since(t0));
    if (step == last || (cfg_.checkpoint_every > 0 && step % cfg_.checkpoint_every == 0)) save_checkpoint(step);
  }
  result_.step = step_;
  result_.finished = step_ >= cfg_.steps;
  if (result_.finished) store_->finish_run(run_id_);
  return result_;
}

}  // namespace

TrainResult run_lm_train(const TrainOptions& options, const TrainConfig& config) {
  return LmTrainer(options, config).run();
}

}  // namespace arena::trainer
