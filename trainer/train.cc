// The self-play training loop: rollouts through the arena runner → learner turns with shaped rewards → advantage
// estimator → PPO epochs over shuffled minibatches of whole trajectories → metrics, evaluation, checkpoints.
#include "trainer/train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>

#include <cstdarg>
#include <cstdio>

#include "arena/runner.h"
#include "arena/store.h"
#include "games/api/params.h"
#include "games/api/registry.h"
#include "games/api/rng.h"
#include "trainer/advantages.h"
#include "trainer/checkpoint.h"
#include "trainer/config.h"
#include "trainer/estimators/estimator.h"
#include "trainer/evaluator.h"
#include "trainer/lm_train.h"
#include "trainer/policy_agent.h"
#include "trainer/rollouts.h"
#include "trainer/run_files.h"
#include "trainer/trajectory.h"


namespace fs = std::filesystem;

namespace arena::trainer {
namespace {

constexpr std::uint64_t kShuffleStream = 0x5EED;

class Trainer {
 public:
  explicit Trainer(const TrainOptions& opt) : opt_(opt) {}
  TrainResult run(const TrainConfig& cfg);

 private:
  void setup(const TrainConfig& cfg);
  void start_fresh();
  void resume();
  Metrics train_step(int step);
  Metrics evaluate() {
    return evaluator_->evaluate(*eval_agent_, [this](const std::vector<const State*>& states,
                                                     const std::vector<Player>& players) {
      return learner_->probabilities(states, players);
    });
  }
  void save_checkpoint(int step);
  void write_metrics(int step, const Metrics& m);
  void progress(int step, const Metrics& m, double secs);

  TrainOptions opt_;
  TrainConfig cfg_;
  fs::path out_;
  std::shared_ptr<const GameSlots> slots_;
  std::shared_ptr<Policy> policy_, ref_;
  std::unique_ptr<PolicyAgent> learner_, eval_agent_;
  std::unique_ptr<AdamW> adam_;
  std::unique_ptr<estimators::AdvantageEstimator> estimator_;
  std::unique_ptr<Store> store_;
  std::int64_t run_id_ = 0;
  std::int64_t learner_agent_id_ = 0;
  std::vector<AgentPtr> opponents_;            // fixed_opponent mode: one per slot (agent index 1 + slot)
  std::vector<std::int64_t> opponent_ids_;
  std::vector<Planned> schedule_;              // the matches of every step
  std::unique_ptr<Evaluator> evaluator_;
  std::vector<std::string> columns_;
  std::int64_t total_optimizer_steps_ = 0;
  double horizon_ = 1;
  int step_ = 0;
  TrainResult result_;
};

void Trainer::setup(const TrainConfig& cfg) {
  cfg_ = cfg;
  if (!opt_.device.empty()) cfg_.device = opt_.device;
  const torch::Device device = training_device(cfg_.device);
  torch::set_num_threads(cfg_.threads);
  std::vector<std::string> names;
  for (const auto& g : cfg_.games) names.push_back(g.game);
  slots_ = std::make_shared<GameSlots>(names, cfg_.policy.kind == "tabular");
  policy_ = make_policy(cfg_.policy, slots_, cfg_.seed);
  ref_ = make_policy(cfg_.policy, slots_, cfg_.seed);
  policy_->move_to(device);
  ref_->move_to(device);
  std::vector<torch::Tensor> params;
  for (auto& [name, t] : policy_->named_params()) params.push_back(t);
  adam_ = std::make_unique<AdamW>(params, cfg_.optimizer);
  {
    auto options = cfg_.estimator;
    const auto name = options["name"].get<std::string>();
    options.erase("name");
    estimator_ = estimators::make_estimator(name, options);
  }
  learner_ = std::make_unique<PolicyAgent>(policy_, false, "learner");
  eval_agent_ = std::make_unique<PolicyAgent>(policy_, cfg_.eval.greedy, "learner");

  // The fixed schedule of one step: episodes per (game, seat).
  schedule_ = make_schedule(cfg_, *slots_, opponents_);
  for (int s = 0; s < slots_->size(); ++s) {
    const auto& game = *slots_->game(s);
    horizon_ = std::max(horizon_, static_cast<double>(game.max_game_length()));
  }
  if (cfg_.ppo.norm_horizon > 0) horizon_ = cfg_.ppo.norm_horizon;
  total_optimizer_steps_ = static_cast<std::int64_t>(cfg_.steps) * cfg_.ppo.epochs * cfg_.ppo.minibatches;

  evaluator_ = std::make_unique<Evaluator>(cfg_, *slots_);

  // CSV columns: fixed training metrics, returns per game and seat, then evaluation metrics.
  columns_ = {"step", "games", "turns", "games_per_s", "seconds", "loss", "pg_loss", "kl", "entropy", "clip_frac",
              "approx_kl", "grad_norm", "lr", "adv_mean", "adv_std", "ppo_samples_per_s"};
  for (int s = 0; s < slots_->size(); ++s)
    for (int p = 0; p < slots_->game(s)->num_players(); ++p)
      columns_.push_back("return/" + slots_->names()[s] + "/p" + std::to_string(p));
  for (const auto& key : evaluator_->keys()) columns_.push_back(key);
}

void Trainer::start_fresh() {
  if (fs::exists(out_ / "latest.json"))
    throw Error("'" + out_.string() + "' already holds a training run; continue it with --resume or choose another --out");
  fs::create_directories(out_ / "checkpoints");
  store_ = std::make_unique<Store>(opt_.db_path);
  run_id_ = store_->create_run("train", cfg_.to_json().dump(), cfg_.seed);
  write_json_atomic(out_ / "config.json", cfg_.to_json());
  start_metrics_csv(out_ / "metrics.csv", columns_);
  step_ = 0;
}

void Trainer::resume() {
  const auto dir = fs::path(resolve_checkpoint_dir(out_.string()));
  const auto state = read_json(dir / "state.json");
  const int step = state.at("step").get<int>();
  run_id_ = state.at("run_id").get<std::int64_t>();
  store_ = std::make_unique<Store>(opt_.db_path);
  auto run = store_->run(run_id_);
  if (!run || run->kind != "train")
    throw Error("--resume: run " + std::to_string(run_id_) + " of '" + out_.string() + "' is not in '" + opt_.db_path +
                "' (pass the --db the run was started with)");
  store_->truncate_run(run_id_, static_cast<std::int64_t>(step) * static_cast<std::int64_t>(schedule_.size()), step);
  load_parameters(*policy_, (dir / "model.safetensors").string());
  load_trainer_tensors(*ref_, *adam_, *policy_, (dir / "trainer.safetensors").string());
  estimator_->load_state(state.at("estimator_state"));
  truncate_metrics_csv(out_ / "metrics.csv", step);
  step_ = step;
}

Metrics Trainer::train_step(int step) {
  Metrics m;
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t step_seed = derive_seed(cfg_.seed, static_cast<std::uint64_t>(step));
  const std::int64_t first_idx = static_cast<std::int64_t>(step - 1) * static_cast<std::int64_t>(schedule_.size());

  // Rollouts.
  std::vector<Agent*> agents{learner_.get()};
  for (auto& o : opponents_) agents.push_back(o.get());
  std::vector<std::int64_t> agent_ids{learner_agent_id_};
  agent_ids.insert(agent_ids.end(), opponent_ids_.begin(), opponent_ids_.end());
  auto rollouts = play_rollouts(cfg_, *slots_, schedule_, step, agents, agent_ids, store_.get(), run_id_);
  const auto& jobs = rollouts.jobs;
  const auto& outcomes = rollouts.outcomes;
  const double rollout_s = seconds_since(t0);

  // Learner turns, features and the estimator's batch.
  estimators::TurnBatchData data;
  FeatureBatch features;
  std::vector<std::int64_t> actions;
  std::vector<std::int64_t> traj_of_row, group_of_row;
  std::map<std::pair<int, int>, std::pair<double, int>> returns;  // (slot, seat) → (sum, count)
  for (size_t k = 0; k < outcomes.size(); ++k) {
    const auto& o = outcomes[k];
    const auto& plan = schedule_[k];
    for (Player p : plan.learner_seats) {
      auto& r = returns[{plan.slot, p}];
      r.first += o.returns[p];
      r.second += 1;
    }
    auto turns = learner_turns(o.turns, o.returns, o.outcome == "normal", plan.learner_seats,
                               cfg_.games[plan.slot].draw_bonus);
    if (turns.empty()) continue;
    std::map<int, const LearnerTurn*> at_ply;
    for (const auto& t : turns) at_ply[t.ply] = &t;
    auto state = slots_->game(plan.slot)->new_initial_state();
    for (size_t ply = 0; ply < o.history.size(); ++ply) {
      auto it = at_ply.find(static_cast<int>(ply));
      if (it != at_ply.end()) {
        const auto& t = *it->second;
        features.add(*slots_, plan.slot, *state, t.seat);
        actions.push_back(t.action);
        const std::int64_t traj = (first_idx + static_cast<std::int64_t>(k)) * kMaxSeats + t.seat;
        traj_of_row.push_back(traj);
        group_of_row.push_back(estimator_group(cfg_.group_by, plan.slot, t.seat));
        data.add({traj, t.turn, t.reward, plan.slot, t.seat, group_of_row.back(), -1});
      }
      state->apply_action(o.history[ply]);
    }
  }
  const std::int64_t rows = static_cast<std::int64_t>(actions.size());
  auto est = compute_advantages(*estimator_, data.view(), policy_->device());

  // PPO.
  std::vector<std::int64_t> keep_rows;
  for (std::int64_t r = 0; r < rows; ++r)
    if (est.keep[r]) keep_rows.push_back(r);
  const auto device = policy_->device();
  torch::Tensor old_logp, ref_logp;
  auto all_actions = torch::from_blob(actions.data(), {rows}, torch::kInt64).clone().to(device);
  {
    torch::NoGradGuard guard;
    old_logp = policy_->log_probs(features).gather(1, all_actions.unsqueeze(1)).squeeze(1);
    ref_logp = ref_->log_probs(features);
    if (cfg_.ppo.kl_estimator == "k3") ref_logp = ref_logp.gather(1, all_actions.unsqueeze(1)).squeeze(1);
  }
  std::vector<float> adv_f(est.advantage.begin(), est.advantage.end());
  auto advantage = torch::from_blob(adv_f.data(), {rows}, torch::kFloat32).clone().to(device);
  // Trajectories in first-row order; minibatches are contiguous chunks of a shuffled trajectory list.
  std::vector<std::int64_t> trajs;
  std::map<std::int64_t, std::vector<std::int64_t>> rows_of;
  for (auto r : keep_rows) {
    auto& v = rows_of[traj_of_row[r]];
    if (v.empty()) trajs.push_back(traj_of_row[r]);
    v.push_back(r);
  }
  const auto t_ppo = std::chrono::steady_clock::now();
  PpoStats sum;
  double grad_norm_sum = 0, lr = 0;
  int updates = 0;
  for (int epoch = 0; epoch < cfg_.ppo.epochs && !trajs.empty(); ++epoch) {
    Rng rng(derive_seed(step_seed, kShuffleStream + static_cast<std::uint64_t>(epoch)));
    auto order = trajs;
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.uniform_int(i)]);
    const int mbs = std::min<int>(cfg_.ppo.minibatches, static_cast<int>(order.size()));
    for (int b = 0; b < mbs; ++b) {
      const size_t lo = order.size() * b / mbs, hi = order.size() * (b + 1) / mbs;
      std::vector<std::int64_t> mb_rows, seq;
      for (size_t i = lo; i < hi; ++i)
        for (auto r : rows_of[order[i]]) {
          mb_rows.push_back(r);
          seq.push_back(order[i]);
        }
      auto mb = features.select(mb_rows);
      auto idx = torch::from_blob(mb_rows.data(), {static_cast<std::int64_t>(mb_rows.size())}, torch::kInt64)
                     .clone()
                     .to(device);
      auto w = agg_weights(seq, cfg_.ppo.aggregation, horizon_);
      std::vector<float> wf(w.begin(), w.end());
      PpoInputs in{all_actions.index_select(0, idx), old_logp.index_select(0, idx), ref_logp.index_select(0, idx),
                   advantage.index_select(0, idx),
                   torch::from_blob(wf.data(), {static_cast<std::int64_t>(wf.size())}, torch::kFloat32).clone().to(device)};
      adam_->zero_grad();
      PpoStats st;
      auto lp = policy_->log_probs(mb);
      PpoConfig ppo = cfg_.ppo;
      if (ppo.kl_coef_final >= 0)
        ppo.kl_coef += (ppo.kl_coef_final - ppo.kl_coef) * static_cast<double>(step - 1) / std::max(1, cfg_.steps - 1);
      auto loss = ppo_loss(lp, legal_mask(mb, device), in, ppo, &st);
      loss.backward();
      std::vector<torch::Tensor> params;
      for (auto& [name, t] : policy_->named_params()) params.push_back(t);
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
      sum.loss += st.loss;
      sum.pg_loss += st.pg_loss;
      sum.kl += st.kl;
      sum.entropy += st.entropy;
      sum.clip_frac += st.clip_frac;
      sum.approx_kl += st.approx_kl;
      grad_norm_sum += gn;
      ++updates;
    }
  }
  // Policy shift per group for stateful estimators (spo_single's forgetting): mean k3 of the new policy against the
  // rollout policy over the group's turns, groups in ascending id.
  if (rows > 0 && estimator_->stateful()) {
    torch::NoGradGuard guard;
    auto new_logp = policy_->log_probs(features).gather(1, all_actions.unsqueeze(1)).squeeze(1);
    auto d = new_logp - old_logp;
    auto k3 = d.exp() - d - 1.0;
    std::map<std::int64_t, std::vector<std::int64_t>> rows_of;
    for (std::int64_t r = 0; r < rows; ++r) rows_of[group_of_row[r]].push_back(r);
    std::vector<std::int64_t> groups;
    std::vector<double> div;
    for (const auto& [g, members] : rows_of) {
      groups.push_back(g);
      const double mean = members.size() == static_cast<std::size_t>(rows)
                              ? k3.mean().item<double>()
                              : k3.index_select(0, torch::tensor(members).to(k3.device())).mean().item<double>();
      div.push_back(std::max(0.0, mean));  // (k3 ≥ 0; rounding can leave a tiny shift below 0)
    }
    estimator_->observe_policy_shift(groups, div);
  }
  if (cfg_.ppo.ref_update_every > 0 && step % cfg_.ppo.ref_update_every == 0) copy_parameters(*policy_, *ref_);

  if (device.is_cuda()) torch::cuda::synchronize();
  const double ppo_s = seconds_since(t_ppo);
  double adv_mean = 0, adv_sq = 0;
  for (auto r : keep_rows) adv_mean += est.advantage[r];
  if (!keep_rows.empty()) adv_mean /= static_cast<double>(keep_rows.size());
  for (auto r : keep_rows) adv_sq += (est.advantage[r] - adv_mean) * (est.advantage[r] - adv_mean);
  const double u = std::max(updates, 1);
  m = {{"games", static_cast<double>(jobs.size())},
       {"turns", static_cast<double>(rows)},
       {"games_per_s", static_cast<double>(jobs.size()) / std::max(rollout_s, 1e-9)},
       {"ppo_samples_per_s", static_cast<double>(keep_rows.size()) * cfg_.ppo.epochs / std::max(ppo_s, 1e-9)},
       {"loss", sum.loss / u},
       {"pg_loss", sum.pg_loss / u},
       {"kl", sum.kl / u},
       {"entropy", sum.entropy / u},
       {"clip_frac", sum.clip_frac / u},
       {"approx_kl", sum.approx_kl / u},
       {"grad_norm", grad_norm_sum / u},
       {"lr", lr},
       {"adv_mean", adv_mean},
       {"adv_std", keep_rows.size() > 1 ? std::sqrt(adv_sq / static_cast<double>(keep_rows.size() - 1)) : 0.0}};
  for (const auto& [key, r] : returns)
    m.emplace_back("return/" + slots_->names()[key.first] + "/p" + std::to_string(key.second), r.first / r.second);
  return m;
}

void Trainer::save_checkpoint(int step) {
  const auto rel = strf("checkpoints/step-%08d", step);
  const auto dir = out_ / rel;
  fs::create_directories(dir);
  save_model(*policy_, (dir / "model.safetensors").string());
  save_trainer_tensors(*ref_, *adam_, *policy_, (dir / "trainer.safetensors").string());
  write_json_atomic(dir / "state.json", {{"step", step},
                                         {"run_id", run_id_},
                                         {"optimizer_steps", adam_->steps()},
                                         {"estimator_state", estimator_->save_state()},
                                         {"config", cfg_.to_json()}});
  write_json_atomic(out_ / "latest.json", {{"step", step}, {"path", rel}});
  store_->add_checkpoint(run_id_, step, fs::absolute(dir).string());
}

void Trainer::write_metrics(int step, const Metrics& m) {
  store_->write_metrics(run_id_, step, m);
  append_metrics_csv(out_ / "metrics.csv", columns_, step, m);
}

void Trainer::progress(int step, const Metrics& m, double secs) {
  if (!opt_.progress) return;
  std::map<std::string, double> v(m.begin(), m.end());
  std::string line = strf("step %5d/%d", step, cfg_.steps);
  if (v.count("games"))
    line += strf("  %7.0f games/s  loss %+.4f  kl %.4f  entropy %.3f", v["games_per_s"], v["loss"], v["kl"],
                    v["entropy"]);
  for (int s = 0; s < slots_->size(); ++s) {
    std::string ret;
    for (int p = 0; p < slots_->game(s)->num_players(); ++p) {
      auto it = v.find("return/" + slots_->names()[s] + "/p" + std::to_string(p));
      if (it != v.end()) ret += strf(" %+.3f", it->second);
    }
    if (!ret.empty()) line += "  " + slots_->game(s)->type().short_name + ret;
    auto e = v.find("exploitability/" + slots_->names()[s]);
    if (e != v.end()) line += strf("  exploitability %.4f", e->second);
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

TrainResult Trainer::run(const TrainConfig& cfg) {
  out_ = fs::path(opt_.out_dir);
  setup(cfg);
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
  if (!opt_.resume) {
    auto e = evaluate();
    record_eval(e, true);
    write_metrics(0, e);
    progress(0, e, seconds_since(t0));
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
    write_metrics(step, m);
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

TrainConfig resolve_train_config(const TrainOptions& opt) {
  if (opt.out_dir.empty()) throw Error("--out DIR is required: the run directory for checkpoints and metrics");
  const fs::path out(opt.out_dir);
  TrainConfig cfg;
  if (opt.resume) {
    const auto dir = fs::path(resolve_checkpoint_dir(out.string()));
    const auto stored = read_json(dir / "state.json").at("config");
    cfg = parse_train_config(stored, (dir / "state.json").string());
    if (!opt.config_path.empty()) {
      auto given = load_train_config(opt.config_path);
      if (given.to_json() != cfg.to_json())  // (both resolved: fields added since the run default)
        throw Error("--resume: " + opt.config_path + " differs from the configuration of the run in '" +
                    out.string() + "' (" + (out / "config.json").string() + "); resume without CONFIG or with that one");
    }
  } else {
    if (!opt.config_text.empty()) {
      cfg = parse_train_config(nlohmann::json::parse(opt.config_text), "<embedded>");
    } else {
      if (opt.config_path.empty()) throw Error("CONFIG is required (a JSON training configuration)");
      cfg = load_train_config(opt.config_path);
    }
  }
  return cfg;
}

TrainResult run_train(const TrainOptions& options) {
  const auto cfg = resolve_train_config(options);
  if (cfg.policy.kind == "lm") return run_lm_train(options, cfg);
  return Trainer(options).run(cfg);
}

}  // namespace arena::trainer
