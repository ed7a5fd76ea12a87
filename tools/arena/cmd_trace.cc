// arena trace: seeded random games as JSON lines, one per game, with every state along the history (the input of the
// differential tests in tests/openspiel/). Also `arena bench vs-openspiel`, which runs tools/bench_vs_openspiel.py.
//
// One line per game:
//   {"game": "kuhn_poker", "seed": 1, "index": 0, "actions": [2, 0, 1, 1],
//    "states": [{"player": -1, "terminal": false, "legal": [0, 1, 2], "chance": [[0, 0.333..], ...],
//                "rewards": [0, 0], "returns": [0, 0], "info": ["...", "..."], "action": 2}, ...,
//               {"player": -4, "terminal": true, "legal": [], "rewards": [-1, 1], "returns": [-1, 1],
//                "info": [...]}]}
// States are listed from the initial one to the terminal one. "rewards" and "returns" are those of the state itself,
// i.e. after the move that led to it (so a move's rewards are in the next state's entry); "action" is the move taken
// from the state (absent at the terminal state); "chance" only at chance nodes; "info" holds information_state(p) for
// every player p. Game k is played with Rng(derive_seed(seed, k)): chance sampled from chance_outcomes(), players
// uniform over legal_actions(). With --all, every history of the game instead, depth first.
#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "games/api/random_play.h"
#include "games/api/registry.h"
#include "games/api/rng.h"
#include "tools/arena/commands.h"

namespace arena::cli {
namespace {

struct TraceArgs {
  std::string game;
  int games = 1;
  std::uint64_t seed = 1;
  std::string out;
  bool no_info = false;
  int max_moves = 0;
  bool all = false;
  std::int64_t max_histories = 1'000'000;
};

nlohmann::json state_entry(const State& s, bool with_info) {
  nlohmann::json e;
  e["player"] = s.current_player();
  e["terminal"] = s.is_terminal();
  e["legal"] = s.legal_actions();
  if (s.is_chance_node()) {
    nlohmann::json outcomes = nlohmann::json::array();
    for (const auto& [a, p] : s.chance_outcomes()) outcomes.push_back({a, p});
    e["chance"] = std::move(outcomes);
  }
  e["rewards"] = s.rewards();
  e["returns"] = s.returns();
  if (with_info) {
    nlohmann::json info = nlohmann::json::array();
    for (Player p = 0; p < s.num_players(); ++p) info.push_back(s.information_state(p));
    e["info"] = std::move(info);
  }
  return e;
}

// Every history of the game, depth first (chance outcomes and legal actions in increasing order), one line per
// terminal history; "index" counts the histories, "seed" is absent.
struct Enumerator {
  const TraceArgs& args;
  std::ostream& out;
  std::string game_string;
  std::vector<nlohmann::json> path;
  std::int64_t count = 0;

  void visit(const State& s) {
    auto e = state_entry(s, !args.no_info);
    if (s.is_terminal()) {
      if (++count > args.max_histories)
        throw Error(fmt::format("{} has more than {} histories (raise --max-histories)", game_string,
                                args.max_histories));
      nlohmann::json states = path;
      states.push_back(std::move(e));
      nlohmann::json line{{"game", game_string}, {"index", count - 1}, {"actions", s.history()},
                          {"states", std::move(states)}};
      out << line.dump() << '\n';
      return;
    }
    for (Action a : s.legal_actions()) {
      auto child = s.clone();
      child->apply_action(a);
      e["action"] = a;
      path.push_back(e);
      visit(*child);
      path.pop_back();
    }
  }
};

int run_trace(const TraceArgs& a) {
  GamePtr game = load_game(a.game);
  std::ofstream file;
  if (!a.out.empty()) {
    file.open(a.out);
    if (!file) throw Error("cannot write " + a.out);
  }
  std::ostream& out = a.out.empty() ? std::cout : file;
  const std::string game_string = game->to_string();
  if (a.all) {
    Enumerator en{a, out, game_string, {}, 0};
    en.visit(*game->new_initial_state());
  }
  for (int k = 0; k < (a.all ? 0 : a.games); ++k) {
    Rng rng(derive_seed(a.seed, static_cast<std::uint64_t>(k)));
    auto s = game->new_initial_state();
    nlohmann::json states = nlohmann::json::array();
    while (true) {
      auto e = state_entry(*s, !a.no_info);
      if (s->is_terminal() || (a.max_moves > 0 && s->move_number() >= a.max_moves)) {
        states.push_back(std::move(e));
        break;
      }
      const Action act = sample_random_action(*s, rng);
      e["action"] = act;
      states.push_back(std::move(e));
      s->apply_action(act);
    }
    nlohmann::json line{{"game", game_string}, {"seed", a.seed}, {"index", k}, {"actions", s->history()},
                        {"states", std::move(states)}};
    out << line.dump() << '\n';
  }
  out.flush();
  if (!out) throw Error("writing the trace failed");
  return 0;
}

// The repository root: the first folder, going up from the arena binary and then from the working directory, that
// holds tools/bench_vs_openspiel.py.
std::filesystem::path find_repo_root() {
  namespace fs = std::filesystem;
  std::vector<fs::path> starts;
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) starts.push_back(exe.parent_path());
  starts.push_back(fs::current_path());
  for (auto dir : starts) {
    for (; !dir.empty(); dir = dir.parent_path()) {
      if (fs::exists(dir / "tools" / "bench_vs_openspiel.py")) return dir;
      if (dir == dir.root_path()) break;
    }
  }
  throw Error("tools/bench_vs_openspiel.py not found above the arena binary or the working directory; give --script");
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct VsArgs {
  std::string games, python, script;
  double seconds = 1.0;
};

int run_bench_vs_openspiel(const VsArgs& a) {
  namespace fs = std::filesystem;
  std::string script = a.script, python = a.python;
  if (script.empty() || python.empty()) {
    auto root = find_repo_root();
    if (script.empty()) script = (root / "tools" / "bench_vs_openspiel.py").string();
    if (python.empty()) python = (root / ".venv" / "bin" / "python").string();
  }
  if (!fs::exists(python))
    throw Error("python " + python + " not found: run `bash tools/install.sh` to create .venv with open_spiel");
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot locate the arena binary through /proc/self/exe");
  std::string cmd = shell_quote(python) + " " + shell_quote(script) + " --arena " + shell_quote(exe.string()) +
                    " --seconds " + fmt::format("{}", a.seconds);
  if (!a.games.empty()) cmd += " --games " + shell_quote(a.games);
  std::fflush(stdout);
  const int status = std::system(cmd.c_str());
  if (status == -1) throw Error("cannot run " + cmd);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

void add_trace_commands(CLI::App& app, Commands& commands) {
  auto* t = app.add_subcommand("trace", "Seeded random games as JSON lines with every state (differential tests)");
  auto ta = std::make_shared<TraceArgs>();
  t->add_option("game", ta->game, "Game string")->required();
  t->add_option("--games,-n", ta->games, "Number of games")->check(non_negative_number());
  t->add_option("--seed", ta->seed, "Seed; game k uses derive_seed(seed, k)");
  t->add_option("--out,-o", ta->out, "Write here instead of standard output");
  t->add_flag("--no-info", ta->no_info, "Leave out the information states");
  t->add_flag("--all", ta->all, "Every history instead of random games (depth first; small games only)");
  t->add_option("--max-histories", ta->max_histories, "With --all: refuse games with more histories than this")
      ->check(positive_number());
  t->add_option("--max-moves", ta->max_moves, "Stop a game after this many moves, chance included (0: never)")
      ->check(non_negative_number());
  commands.emplace_back(t, [ta] { return run_trace(*ta); });

  // `arena bench vs-openspiel`, under the bench command registered by add_bench_commands (called before this).
  CLI::App* bench = nullptr;
  try {
    bench = app.get_subcommand("bench");
  } catch (const CLI::OptionNotFound&) {
  }
  if (bench) {
    auto* v = bench->add_subcommand("vs-openspiel",
                                    "Random playouts/s and CFR+ iterations/s against pyspiel (needs .venv from "
                                    "tools/install.sh)");
    auto va = std::make_shared<VsArgs>();
    v->add_option("--games", va->games, "Comma-separated games (default: every game shared with OpenSpiel)");
    v->add_option("--seconds", va->seconds, "Seconds per measurement")->check(positive_number());
    v->add_option("--python", va->python, "Python with pyspiel (default: .venv/bin/python of the repository)");
    v->add_option("--script", va->script, "The benchmark script (default: tools/bench_vs_openspiel.py)");
    commands.emplace_back(v, [va] { return run_bench_vs_openspiel(*va); });
  }
}

}  // namespace arena::cli
