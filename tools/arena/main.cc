// `arena`: the command-line front end. Every user error ends in one "error: ..." line and exit status 1.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>

#include <fmt/core.h>

#include "agents/builtin.h"
#include "games/api/registry.h"
#include "tools/arena/commands.h"
#ifdef ARENA_HAVE_TORCH
#include "agents/lm/lm_agent.h"
#include "trainer/train.h"
#endif

namespace arena::cli {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

namespace {
CLI::Validator number_check(bool allow_zero) {
  const std::string expected = allow_zero ? "a number >= 0" : "a positive number";
  return CLI::Validator(
      [allow_zero, expected](std::string& text) -> std::string {
        std::size_t used = 0;
        double v = 0;
        try {
          v = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != text.size() || !std::isfinite(v) || v < 0 || (v == 0 && !allow_zero))
          return "must be " + expected + ", got '" + text + "'";
        return {};
      },
      allow_zero ? "NONNEGATIVE" : "POSITIVE");
}
}  // namespace

std::int64_t positive_integer(const std::string& text, std::int64_t max) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return 0;
  const std::int64_t v = std::stoll(text);
  return v <= max ? v : 0;
}

CLI::Validator positive_number() { return number_check(false); }
CLI::Validator non_negative_number() { return number_check(true); }

}  // namespace arena::cli

int main(int argc, char** argv) {
  CLI::App app{"Arena: self-play arena and trainer for multi-agent reasoning in turn-based games"};
  app.require_subcommand(1);
  std::vector<std::string> plugins;
  app.add_option("--plugin", plugins, "Load a game plugin (.so); repeatable. ARENA_PLUGIN_PATH is read too.")
      ->trigger_on_parse();
  arena::cli::Commands commands;
  arena::cli::add_game_commands(app, commands);
  arena::cli::add_play_commands(app, commands);
  arena::cli::add_tournament_commands(app, commands);
  arena::cli::add_solve_commands(app, commands);
  arena::cli::add_bench_commands(app, commands);
  arena::cli::add_trace_commands(app, commands);
  arena::cli::add_train_commands(app, commands);
  arena::cli::add_lm_commands(app, commands);
  for (auto& [sub, run] : commands) sub->fallthrough();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);  // --help, --help-all
    // A malformed command line is a user error like any other: one line, status 1.
    std::string what = e.what();
    for (auto& c : what)
      if (c == '\n') c = ' ';
    fmt::print(stderr, "error: {} (arena --help and arena COMMAND --help list the options)\n", what);
    return 1;
  }
  try {
    arena::register_builtin_agents();
#ifdef ARENA_HAVE_TORCH
    arena::trainer::register_trainer_agents();
    arena::lm::register_lm_agent();
#endif
    auto& registry = arena::GameRegistry::global();
    for (const auto& err : registry.load_plugins_from_env()) fmt::print(stderr, "warning: {}\n", err);
    for (const auto& p : plugins) registry.load_plugin(p);
    for (auto& [sub, run] : commands)
      if (sub->parsed()) return run();
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
