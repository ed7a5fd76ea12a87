// arena play | demo
#include <fmt/core.h>

#include "arena/match.h"
#include "arena/ratings.h"
#include "arena/tournament.h"
#include "games/api/registry.h"
#include "tools/arena/commands.h"
#ifdef ARENA_HAVE_TORCH
#include <filesystem>

#include "trainer/train.h"
#include "tools/arena/demo_config.h"
#endif

namespace arena::cli {
namespace {

std::string format_returns(const std::vector<double>& r) {
  std::string out;
  for (size_t i = 0; i < r.size(); ++i) out += fmt::format("{}player_{} {:+g}", i ? ", " : "", i, r[i]);
  return out;
}

std::string indent(const std::string& text, const std::string& pad) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += pad + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

// Plays and prints one match turn by turn.
MatchResult print_match(const Game& game, const std::vector<AgentPtr>& agents, std::uint64_t seed, bool show_state) {
  std::vector<Agent*> seats;
  std::string names;
  for (const auto& a : agents) {
    seats.push_back(a.get());
    names += (names.empty() ? "" : " vs ") + a->spec();
  }
  fmt::print("== {}  seed {}  ({})\n", game.to_string(), seed, names);
  auto result = play_match(game, seats, seed, [&](const State& after, const TurnRecord& t) {
    if (t.player == kChancePlayer) fmt::print("  {:>3}. chance: {}\n", t.ply + 1, t.action_text);
    else fmt::print("  {:>3}. player_{} ({}): {}\n", t.ply + 1, t.player, seats[t.player]->spec(), t.action_text);
    if (show_state && t.player != kChancePlayer) fmt::print("{}", indent(after.to_string(), "       "));
  });
  fmt::print("  result: {}\n\n", format_returns(result.returns));
  return result;
}

struct PlayOptions {
  std::string game;
  std::string agents = "random,random";
  std::uint64_t seed = 1;
  int matches = 1;
  bool quiet_state = false;
};

int run_play(const PlayOptions& o) {
  GamePtr game = load_game(o.game);
  auto specs = split_list(o.agents);
  if (static_cast<int>(specs.size()) != game->num_players())
    throw Error(fmt::format("--agents lists {} agent(s) but {} needs {} (one per seat, comma-separated)", specs.size(),
                            game->to_string(), game->num_players()));
  std::vector<AgentPtr> agents;
  for (const auto& s : specs) {
    agents.push_back(make_agent(s));
    agents.back()->prepare(*game);
  }
  for (int m = 0; m < o.matches; ++m) print_match(*game, agents, o.seed + m, !o.quiet_state);
  return 0;
}

#ifdef ARENA_HAVE_TORCH
// A short self-play run on Kuhn poker: one MLP policy in both seats, MARS advantages, PPO; exact exploitability
// before and after. The configuration is docs/training.md's Kuhn example at a smaller budget.
void demo_training(const std::string& db) {
  std::string out;
  for (int k = 1;; ++k) {
    out = fmt::format("runs/demo-kuhn-{}", k);
    if (!std::filesystem::exists(out)) break;
  }
  fmt::print("\nSelf-play training: one MLP policy in both seats of Kuhn poker (MARS advantages, PPO), into {} and {}\n\n",
             db, out);
  trainer::TrainOptions o;
  o.config_text = kDemoTrainConfig;
  o.db_path = db;
  o.out_dir = out;
  o.progress_every = 10;
  auto r = trainer::run_train(o);
  const std::string key = "exploitability/kuhn_poker";
  if (r.first_eval.count(key) && r.last_eval.count(key))
    fmt::print("\nKuhn poker exploitability: {:.4f} before training, {:.4f} after {} steps (0 = a Nash equilibrium)\n",
               r.first_eval[key], r.last_eval[key], r.step);
  fmt::print("Training run {} in {}; curves: arena plot --db {} --run {} --out curves.png\n", r.run_id, db, db, r.run_id);
  fmt::print("Play it: arena eval --agent \"policy(checkpoint={})\" --games kuhn_poker --opponents random,cfr\n", out);
}
#endif

int run_demo(std::uint64_t seed, const std::string& db) {
  auto& reg = GameRegistry::global();
  fmt::print("Arena demo: {} registered games\n", reg.names().size());
  for (const auto& n : reg.names()) fmt::print("  {:<28} {}\n", n, reg.find(n)->type.summary);
  fmt::print("\nOne seeded match, turn by turn (same seed, same match):\n\n");
  std::vector<AgentPtr> agents;
  agents.push_back(make_agent("random"));
  agents.push_back(make_agent("mcts(sims=100)"));
  print_match(*load_game("tic_tac_toe"), agents, seed, true);

  TournamentConfig c;
  c.games = {"tic_tac_toe", "connect_four", "kuhn_poker"};
  c.agents = {"random", "mcts(sims=100)"};
  c.games_per_pair = 10;
  c.seed = seed;
  TournamentOptions o;
  o.db_path = db;
  fmt::print("Demo tournament: {} vs {} on {}, {} matches per seat order, into {}\n\n", c.agents[0], c.agents[1],
             "tic_tac_toe, connect_four, kuhn_poker", c.games_per_pair, db);
  auto r = run_tournament(c, o);
  fmt::print("{}", render_summary(summarize(r.matches)));
  fmt::print("\nStored as run {} in {}. Next:\n", r.run_id, db);
  fmt::print("  arena matches --db {} --run {}          list the matches\n", db, r.run_id);
  fmt::print("  arena replay --db {} --match {} --player 0   replay one and verify it against the database\n", db,
             r.matches.front().id);
  fmt::print("  arena ratings --db {} --run {}          recompute this table from the database alone\n", db, r.run_id);
  fmt::print("  arena describe kuhn_poker | arena play tic_tac_toe --agents human,mcts | arena bench games\n");
#ifdef ARENA_HAVE_TORCH
  demo_training(db);
#else
  fmt::print("\n(This build has no LibTorch, so the demo skips self-play training; tools/install.sh brings it.)\n");
#endif
  return 0;
}

}  // namespace

void add_play_commands(CLI::App& app, Commands& commands) {
  auto* play = app.add_subcommand("play", "Play matches and print them turn by turn");
  auto o = std::make_shared<PlayOptions>();
  play->add_option("game", o->game, "Game string")->required();
  play->add_option("--agents", o->agents, "Comma-separated agent specs, one per seat (random, mcts(sims=N), human)");
  play->add_option("--seed", o->seed, "Seed of the first match; match k uses seed+k");
  play->add_option("--matches", o->matches, "Number of matches")->check(positive_number());
  play->add_flag("--no-state", o->quiet_state, "Do not print the board after each move");
  commands.emplace_back(play, [o] { return run_play(*o); });

  auto* demo = app.add_subcommand("demo", "The main job on its embedded default: list games, a printed match, a demo tournament into arena.db");
  auto seed = std::make_shared<std::uint64_t>(1);
  auto db = std::make_shared<std::string>("arena.db");
  demo->add_option("--seed", *seed, "Seed");
  demo->add_option("--db", *db, "SQLite database file for the demo tournament");
  commands.emplace_back(demo, [seed, db] { return run_demo(*seed, *db); });
}

}  // namespace arena::cli
