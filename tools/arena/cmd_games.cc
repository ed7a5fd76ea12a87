// arena games | describe | check-game | playthrough
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/core.h>

#include "games/api/conformance.h"
#include "games/api/registry.h"
#include "tools/arena/commands.h"
#include "arena/text_table.h"

namespace arena::cli {
namespace {

std::string players_range(const GameType& t) {
  return t.min_players == t.max_players ? std::to_string(t.min_players)
                                        : fmt::format("{}-{}", t.min_players, t.max_players);
}

int run_games() {
  auto& reg = GameRegistry::global();
  Table table({"name", "players", "utility", "chance", "information", "description"});
  for (const auto& name : reg.names()) {
    const auto* g = reg.find(name);
    const auto& t = g->type;
    std::string desc = t.summary;
    if (g->origin != "built-in") desc += " [plugin " + std::filesystem::path(g->origin).filename().string() + "]";
    table.add({t.short_name, players_range(t), std::string(to_string(t.utility)), std::string(to_string(t.chance_mode)),
               std::string(to_string(t.information)), desc});
  }
  fmt::print("{}", table.render());
  fmt::print("{} games. `arena describe NAME` shows rules, parameters and sizes.\n", reg.names().size());
  return 0;
}

int run_describe(const std::string& game_string) {
  GamePtr game = load_game(game_string);
  const auto& t = game->type();
  fmt::print("{} ({})\n{}\n\n", t.long_name, game->to_string(), t.summary);
  fmt::print("players: {}   utility: {}   chance: {}   information: {}\n", players_range(t), to_string(t.utility),
             to_string(t.chance_mode), to_string(t.information));
  std::string shape;
  for (int d : game->observation_tensor_shape()) shape += (shape.empty() ? "" : "x") + std::to_string(d);
  fmt::print("num_distinct_actions: {}   max_chance_outcomes: {}   max_game_length: {}\n",
             game->num_distinct_actions(), game->max_chance_outcomes(), game->max_game_length());
  fmt::print("observation tensor: {} ({} values)   utility range: [{}, {}]\n\n", shape,
             game->observation_tensor_size(), game->min_utility(), game->max_utility());
  if (t.parameters.empty()) {
    fmt::print("parameters: none\n\n");
  } else {
    Table params({"parameter", "value", "default", "allowed", "help"});
    for (const auto& p : t.parameters)
      params.add({p.name, param_value_to_string(game->params().values().at(p.name)),
                  param_value_to_string(p.default_value), p.allowed(), p.help});
    fmt::print("parameters:\n{}\n", params.render());
  }
  if (!t.presets.empty()) {
    Table presets({"preset", "parameters", "description"});
    for (const auto& p : t.presets) presets.add({p.name, p.params, p.description});
    fmt::print("presets (use {}(preset=NAME)):\n{}\n", t.short_name, presets.render());
  }
  fmt::print("RULES\n{}", game->rules_text());
  return 0;
}

struct CheckOptions {
  std::vector<std::string> games;
  std::string plugin;
  bool all = false;
  int num_games = 10000;
  std::uint64_t seed = 1;
};

int run_check(const CheckOptions& o) {
  std::vector<std::string> games = o.games;
  auto& reg = GameRegistry::global();
  if (!o.plugin.empty()) {
    auto info = reg.load_plugin(o.plugin);
    fmt::print("loaded plugin {} {} ({}): {} game(s)\n", info.name, info.version, info.path, info.games.size());
    games.insert(games.end(), info.games.begin(), info.games.end());
  }
  if (o.all) games = reg.names();
  if (games.empty()) throw Error("check-game: name a game, --all, or --plugin PATH");
  int failed = 0;
  for (const auto& g : games) {
    ConformanceOptions opt;
    opt.num_games = o.num_games;
    opt.seed = o.seed;
    auto start = std::chrono::steady_clock::now();
    opt.progress = [&](int done, int total) {
      if (done % 500 == 0 || done == total) {
        fmt::print(stderr, "\r{}: {}/{} games", g, done, total);
        std::fflush(stderr);
      }
    };
    auto report = check_game(g, opt);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print(stderr, "\r");
    if (report.ok()) {
      fmt::print("PASS {}: {} games, {} states, {} privacy checks, longest game {} moves ({:.1f} s)\n", g,
                 report.games_played, report.states_checked, report.privacy_checks, report.max_length_seen, secs);
    } else {
      ++failed;
      fmt::print("FAIL {}: {} problem(s)\n", g, report.failures.size());
      for (const auto& f : report.failures) fmt::print("  {}\n", f);
    }
  }
  return failed ? 1 : 0;
}

int run_playthrough(const std::vector<std::string>& games, bool all, std::uint64_t seed, const std::string& out_dir) {
  std::vector<std::string> list = games;
  auto& reg = GameRegistry::global();
  if (all)
    for (const auto& n : reg.names())
      if (reg.find(n)->origin == "built-in") list.push_back(n);
  if (list.empty()) throw Error("playthrough: name a game or use --all");
  for (const auto& g : list) {
    std::string text = playthrough(g, seed);
    if (out_dir.empty()) {
      fmt::print("{}", text);
      continue;
    }
    std::filesystem::create_directories(out_dir);
    auto path = std::filesystem::path(out_dir) / (load_game(g)->type().short_name + ".txt");
    std::ofstream f(path);
    if (!f) throw Error("cannot write " + path.string());
    f << text;
    fmt::print("wrote {}\n", path.string());
  }
  return 0;
}

}  // namespace

void add_game_commands(CLI::App& app, Commands& commands) {
  auto* games = app.add_subcommand("games", "List the registered games");
  commands.emplace_back(games, [] { return run_games(); });

  auto* describe = app.add_subcommand("describe", "Show a game's rules, parameters, presets and sizes");
  auto describe_game = std::make_shared<std::string>();
  describe->add_option("game", *describe_game, "Game string, e.g. leduc_poker or hanabi(preset=mini)")->required();
  commands.emplace_back(describe, [describe_game] { return run_describe(*describe_game); });

  auto* check = app.add_subcommand("check-game", "Run the conformance suite on games or on a plugin's games");
  auto co = std::make_shared<CheckOptions>();
  check->add_option("games", co->games, "Game strings to check");
  check->add_flag("--all", co->all, "Check every registered game");
  check->add_option("--plugin", co->plugin, "Load this plugin and check its games");
  check->add_option("-n,--num-games", co->num_games, "Random games per game")->check(positive_number());
  check->add_option("--seed", co->seed, "Seed of the random games");
  commands.emplace_back(check, [co] { return run_check(*co); });

  auto* pt = app.add_subcommand("playthrough", "Print one seeded random game in full (golden-file format)");
  auto pg = std::make_shared<std::vector<std::string>>();
  auto pall = std::make_shared<bool>(false);
  auto pseed = std::make_shared<std::uint64_t>(1);
  auto pout = std::make_shared<std::string>();
  pt->add_option("games", *pg, "Game strings");
  pt->add_flag("--all", *pall, "Every built-in game");
  pt->add_option("--seed", *pseed, "Seed (golden files use 1)");
  pt->add_option("--out-dir", *pout, "Write <short_name>.txt files here instead of printing");
  commands.emplace_back(pt, [=] { return run_playthrough(*pg, *pall, *pseed, *pout); });
}

}  // namespace arena::cli
