#include "trainer/config.h"

#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>

#include "games/api/params.h"
#include "games/api/registry.h"
#include "trainer/config_reader.h"
#include "trainer/estimators/estimator.h"

namespace arena::trainer {

TrainConfig parse_train_config(const nlohmann::json& j, const std::string& where) {
  TrainConfig c;
  ConfigReader r(where, "", j);
  c.seed = static_cast<std::uint64_t>(r.integer("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));
  c.steps = static_cast<int>(r.integer("steps", 100, 1, 100'000'000));
  c.episodes_per_seat = static_cast<int>(r.integer("episodes_per_seat", 128, 1, 1'000'000));
  c.mode = r.choice("mode", "self_play", {"self_play", "fixed_opponent"});
  c.opponent = r.string("opponent", "random");
  c.invalid = r.string("invalid_action", "mars");
  c.checkpoint_every = static_cast<int>(r.integer("checkpoint_every", 10, 0, 100'000'000));
  c.store_turns = r.boolean("store_turns", true);
  c.threads = static_cast<int>(r.integer("threads", 1, 1, 1024));
  c.max_in_flight = static_cast<int>(r.integer("max_in_flight", 256, 1, 1'000'000));
  c.device = r.string("device", "cpu");
  c.group_by = r.choice("group_by", "batch", {"batch", "game", "game_seat"});
  if (!valid_device_name(c.device)) r.fail("device", "cpu, cuda or cuda:N", c.device);

  const auto* games = r.raw("games");
  if (!games) throw Error(where + ": 'games' is required: a list of game strings or {\"game\": ..., \"weight\": ...}");
  if (!games->is_array() || games->empty()) r.fail("games", "a non-empty array", *games);
  for (size_t i = 0; i < games->size(); ++i) {
    const auto& g = (*games)[i];
    GameEntry e;
    const std::string path = "games[" + std::to_string(i) + "]";
    if (g.is_string()) {
      e.game = g.get<std::string>();
    } else {
      ConfigReader gr(where, path, g);
      const auto* name = gr.raw("game");
      if (!name || !name->is_string()) gr.fail("game", "a game string", name ? *name : nlohmann::json());
      e.game = name->get<std::string>();
      e.weight = gr.number("weight", 1.0, 0.0, 1e6);
      e.opponent = gr.string("opponent", "");
      e.draw_bonus = gr.number("draw_bonus", 0.0, -1e6, 1e6);
      gr.finish();
    }
    try {
      e.game = load_game(e.game)->to_string();
    } catch (const Error& err) {
      throw Error(where + ": '" + path + "': " + err.what());
    }
    e.episodes = std::max(1, static_cast<int>(std::lround(c.episodes_per_seat * e.weight)));
    for (const auto& other : c.games)
      if (other.game == e.game) throw Error(where + ": '" + path + "': game " + e.game + " is listed twice");
    c.games.push_back(e);
  }

  auto p = r.object("policy");
  c.policy.kind = p.choice("kind", "mlp", {"mlp", "tabular", "lm"});
  if (c.policy.kind == "lm") {
    auto& l = c.policy.lm;
    l.checkpoint = p.string("checkpoint", "");
    auto in = p.object("init");
    l.init_size = in.string("size", l.init_size);
    l.init_context = static_cast<int>(in.integer("context", l.init_context, 8, 1 << 20));
    l.init_tokenizer = in.string("tokenizer", l.init_tokenizer);
    in.finish();
    if (!l.checkpoint.empty() && p.has("init"))
      p.fail("init", "no init block when a checkpoint is given (the model starts from the checkpoint)", *p.raw("init"));
    l.mode = p.choice("mode", "free", {"free", "constrained"});
    if (l.mode != "free")
      p.fail("mode", "free (self-play training samples and parses responses; constrained mode only plays)", l.mode);
    l.format = p.choice("format", "mars", {"mars", "spiral"});
    l.temperature = p.number("temperature", l.temperature, 1e-3, 100.0);
    l.top_k = static_cast<int>(p.integer("top_k", 0, 0, 1'000'000));
    l.top_p = p.number("top_p", 1.0, 1e-6, 1.0);
    l.max_new_tokens = static_cast<int>(p.integer("max_new_tokens", l.max_new_tokens, 1, 1'000'000));
    l.micro_batch_tokens = static_cast<int>(p.integer("micro_batch_tokens", l.micro_batch_tokens, 64, 1 << 30));
    l.shard_mb = p.number("shard_mb", l.shard_mb, 0.0, 1e6);
    l.pack = p.boolean("pack", true);
    auto sft = p.object("sft");
    auto list = [&](const char* name) {
      std::vector<std::string> out;
      if (const auto* v = sft.raw(name)) {
        if (!v->is_array()) sft.fail(name, "an array of strings", *v);
        for (const auto& x : *v) {
          if (!x.is_string()) sft.fail(name, "an array of strings", *v);
          out.push_back(x.get<std::string>());
        }
      }
      return out;
    };
    l.sft_games = list("games");
    l.sft_teachers = list("teachers");
    l.sft_matches = static_cast<int>(sft.integer("matches", l.sft_matches, 1, 100'000'000));
    l.sft_steps = static_cast<int>(sft.integer("steps", l.sft_steps, 0, 100'000'000));
    l.sft_batch = static_cast<int>(sft.integer("batch", l.sft_batch, 1, 1'000'000));
    l.sft_lr = sft.number("lr", l.sft_lr, 1e-12, 100.0);
    sft.finish();
  } else {
    c.policy.hidden = p.integers("hidden", c.policy.hidden, 1, 1 << 16);
    c.policy.activation = p.choice("activation", "relu", {"relu", "tanh"});
    c.policy.output_init_scale = p.number("output_init_scale", 0.01, 0.0, 10.0);
  }
  p.finish();
  c.format_bonus = r.number("format_bonus", 0.0, -1e6, 1e6);
  if (c.format_bonus != 0.0 && c.policy.kind != "lm")
    r.fail("format_bonus", "0 unless policy.kind is lm (only text answers can miss the format)", c.format_bonus);
  if (c.policy.kind == "lm") {
    auto& l = c.policy.lm;
    if (l.sft_steps > 0) {
      if (l.sft_games.empty())
        for (const auto& g : c.games) l.sft_games.push_back(g.game);
      if (l.sft_teachers.size() != l.sft_games.size())
        throw Error(where + ": 'policy.sft.teachers' needs one agent spec per SFT game (" +
                    std::to_string(l.sft_games.size()) + " games, " + std::to_string(l.sft_teachers.size()) +
                    " teachers)");
      for (auto& g : l.sft_games) {
        try {
          g = load_game(g)->to_string();
        } catch (const Error& err) {
          throw Error(where + ": 'policy.sft.games': " + err.what());
        }
      }
    }
  }

  if (const auto* est = r.raw("estimator")) {
    if (!est->is_object()) r.fail("estimator", "an object {\"name\": ..., options...}", *est);
    c.estimator = *est;
  }
  if (!c.estimator.contains("name") || !c.estimator["name"].is_string())
    throw Error(where + ": 'estimator.name' must be one of the estimator names (arena train --help lists them)");
  {
    nlohmann::json options = c.estimator;
    const std::string name = options["name"].get<std::string>();
    options.erase("name");
    try {
      auto est = estimators::make_estimator(name, options);
      c.estimator = est->options();
      c.estimator["name"] = name;
    } catch (const Error& err) {
      throw Error(where + ": 'estimator': " + err.what());
    }
  }

  auto pp = r.object("ppo");
  c.ppo.clip = pp.number("clip", 0.2, 0.0, 10.0);
  c.ppo.dual_clip = pp.number("dual_clip", 1.4, 0.0, 1e6);
  if (c.ppo.dual_clip != 0.0 && c.ppo.dual_clip <= 1.0) pp.fail("dual_clip", "0 (off) or a number > 1", c.ppo.dual_clip);
  c.ppo.kl_coef = pp.number("kl_coef", 0.2, 0.0, 1e6);
  c.ppo.kl_clamp = pp.number("kl_clamp", 10.0, 0.0, 1e6);
  c.ppo.kl_coef_final = pp.number("kl_coef_final", -1.0, -1.0, 1e6);
  c.ppo.kl_estimator = pp.choice("kl_estimator", "k3", {"k3", "full"});
  c.ppo.entropy_coef = pp.number("entropy_coef", 0.0, -1e6, 1e6);
  c.ppo.epochs = static_cast<int>(pp.integer("epochs", 1, 1, 1000));
  c.ppo.minibatches = static_cast<int>(pp.integer("minibatches", 4, 1, 1'000'000));
  c.ppo.aggregation = pp.choice("aggregation", "seq-mean-token-mean",
                                {"token-mean", "seq-mean-token-mean", "seq-mean-token-sum", "seq-mean-token-sum-norm"});
  c.ppo.norm_horizon = pp.number("norm_horizon", 0.0, 0.0, 1e9);
  c.ppo.ref_update_every = static_cast<int>(pp.integer("ref_update_every", 0, 0, 100'000'000));
  pp.finish();

  auto o = r.object("optimizer");
  c.optimizer.name = o.choice("name", "adamw", {"adamw", "sgd"});
  c.optimizer.lr = o.number("lr", 1e-3, 0.0, 100.0);
  auto betas = o.numbers("betas", {0.9, 0.95}, 0.0, 0.999999);
  if (betas.size() != 2) o.fail("betas", "two numbers in [0, 1)", betas);
  c.optimizer.beta1 = betas[0];
  c.optimizer.beta2 = betas[1];
  c.optimizer.eps = o.number("eps", 1e-8, 0.0, 1.0);
  c.optimizer.weight_decay = o.number("weight_decay", 0.0, 0.0, 10.0);
  c.optimizer.warmup_steps = static_cast<int>(o.integer("warmup_steps", 10, 0, 100'000'000));
  c.optimizer.schedule = o.choice("schedule", "cosine", {"cosine", "constant"});
  c.optimizer.min_lr = o.number("min_lr", 0.0, 0.0, 10.0);
  c.optimizer.max_grad_norm = o.number("max_grad_norm", 1.0, 0.0, 1e9);
  o.finish();

  auto ev = r.object("eval");
  c.eval.every = static_cast<int>(ev.integer("every", 10, 0, 100'000'000));
  // A free-mode language model has no exact action probabilities to compute exploitability from.
  c.eval.exploitability = ev.boolean("exploitability", c.policy.kind != "lm");
  if (c.eval.exploitability && c.policy.kind == "lm")
    ev.fail("exploitability", "false for policy.kind lm (a free-mode model has no exact action probabilities; "
            "evaluate it against opponents, or play it with arena eval)", true);
  if (const auto* ops = ev.raw("opponents")) {
    if (!ops->is_array()) ev.fail("opponents", "an array of agent specs", *ops);
    for (const auto& s : *ops) {
      if (!s.is_string()) ev.fail("opponents", "an array of agent specs", *ops);
      c.eval.opponents.push_back(s.get<std::string>());
    }
  }
  c.eval.episodes = static_cast<int>(ev.integer("episodes", 200, 1, 100'000'000));
  c.eval.greedy = ev.boolean("greedy", false);
  c.eval.max_tree_nodes = ev.integer("max_tree_nodes", 5'000'000, 1, 1'000'000'000);
  ev.finish();
  r.finish();
  return c;
}

TrainConfig load_train_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read the training configuration " + path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in, nullptr, true, /*ignore_comments=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(path + ": not valid JSON: " + e.what());
  }
  return parse_train_config(j, path);
}

nlohmann::json TrainConfig::policy_json() const {
  if (policy.kind != "lm")
    return {{"kind", policy.kind},
            {"hidden", policy.hidden},
            {"activation", policy.activation},
            {"output_init_scale", policy.output_init_scale}};
  const auto& l = policy.lm;
  nlohmann::json j = {{"kind", "lm"},
                      {"mode", l.mode},
                      {"format", l.format},
                      {"temperature", l.temperature},
                      {"top_k", l.top_k},
                      {"top_p", l.top_p},
                      {"max_new_tokens", l.max_new_tokens},
                      {"micro_batch_tokens", l.micro_batch_tokens},
                      {"pack", l.pack},
                      {"shard_mb", l.shard_mb},
                      {"sft",
                       {{"games", l.sft_games},
                        {"teachers", l.sft_teachers},
                        {"matches", l.sft_matches},
                        {"steps", l.sft_steps},
                        {"batch", l.sft_batch},
                        {"lr", l.sft_lr}}}};
  if (l.checkpoint.empty())
    j["init"] = {{"size", l.init_size}, {"context", l.init_context}, {"tokenizer", l.init_tokenizer}};
  else
    j["checkpoint"] = l.checkpoint;
  return j;
}

nlohmann::json TrainConfig::to_json() const {
  nlohmann::json games_j = nlohmann::json::array();
  for (const auto& g : games)
    games_j.push_back({{"game", g.game}, {"weight", g.weight}, {"opponent", g.opponent}, {"draw_bonus", g.draw_bonus}});
  return {
      {"seed", seed},
      {"steps", steps},
      {"games", games_j},
      {"episodes_per_seat", episodes_per_seat},
      {"mode", mode},
      {"opponent", opponent},
      {"invalid_action", invalid},
      {"policy", policy_json()},
      {"format_bonus", format_bonus},
      {"estimator", estimator},
      {"group_by", group_by},
      {"ppo",
       {{"clip", ppo.clip},
        {"dual_clip", ppo.dual_clip},
        {"kl_coef", ppo.kl_coef},
        {"kl_clamp", ppo.kl_clamp},
        {"kl_coef_final", ppo.kl_coef_final},
        {"kl_estimator", ppo.kl_estimator},
        {"entropy_coef", ppo.entropy_coef},
        {"epochs", ppo.epochs},
        {"minibatches", ppo.minibatches},
        {"aggregation", ppo.aggregation},
        {"norm_horizon", ppo.norm_horizon},
        {"ref_update_every", ppo.ref_update_every}}},
      {"optimizer",
       {{"name", optimizer.name},
        {"lr", optimizer.lr},
        {"betas", {optimizer.beta1, optimizer.beta2}},
        {"eps", optimizer.eps},
        {"weight_decay", optimizer.weight_decay},
        {"warmup_steps", optimizer.warmup_steps},
        {"schedule", optimizer.schedule},
        {"min_lr", optimizer.min_lr},
        {"max_grad_norm", optimizer.max_grad_norm}}},
      {"eval",
       {{"every", eval.every},
        {"exploitability", eval.exploitability},
        {"opponents", eval.opponents},
        {"episodes", eval.episodes},
        {"greedy", eval.greedy},
        {"max_tree_nodes", eval.max_tree_nodes}}},
      {"checkpoint_every", checkpoint_every},
      {"store_turns", store_turns},
      {"threads", threads},
      {"max_in_flight", max_in_flight},
      {"device", device},
  };
}

bool valid_device_name(const std::string& device) {
  if (device == "cpu" || device == "cuda") return true;
  const std::string index = device.rfind("cuda:", 0) == 0 ? device.substr(5) : "";
  return !index.empty() && index.size() <= 3 && index.find_first_not_of("0123456789") == std::string::npos;
}

std::int64_t estimator_group(const std::string& group_by, int slot, int seat) {
  if (group_by == "game") return slot;
  if (group_by == "game_seat") return slot * kMaxSeats + seat;
  return 0;
}

double learning_rate(const OptimizerConfig& o, std::int64_t t, std::int64_t total) {
  if (o.warmup_steps > 0 && t < o.warmup_steps) return o.lr * static_cast<double>(t + 1) / o.warmup_steps;
  if (o.schedule == "constant") return o.lr;
  const double span = std::max<std::int64_t>(1, total - o.warmup_steps);
  const double progress = std::clamp(static_cast<double>(t - o.warmup_steps) / span, 0.0, 1.0);
  return o.min_lr + 0.5 * (o.lr - o.min_lr) * (1.0 + std::cos(std::numbers::pi * progress));
}

}  // namespace arena::trainer
