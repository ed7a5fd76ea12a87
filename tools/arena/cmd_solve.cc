// arena solve | exploitability | eval
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include <fmt/core.h>

#include "agents/tabular/best_response.h"
#include "agents/tabular/cfr.h"
#include "agents/tabular/tabular_agents.h"
#include "arena/evaluation.h"
#include "arena/tournament.h"
#include "games/api/registry.h"
#include "tools/arena/commands.h"

namespace arena::cli {
namespace {

// An agent's policy on every information set of the tree, from its stated action probabilities.
std::vector<double> agent_policy(const GameTree& tree, Agent& agent) {
  return flat_policy(tree, [&](const std::vector<const State*>& states, const std::vector<Player>& players) {
    std::vector<std::vector<double>> out;
    for (size_t i = 0; i < states.size(); ++i) {
      auto probs = agent.action_probabilities(*states[i], players[i]);
      if (!probs)
        throw Error("agent " + agent.spec() + " cannot state its action probabilities, so its exploitability cannot "
                    "be computed exactly (random, policy, cfr, nash and neural policies can)");
      out.push_back(std::move(*probs));
    }
    return out;
  });
}

struct SolveArgs {
  std::string game, algo = "cfr+", out;
  int iterations = 1000, every = 100;
};

int run_solve(const SolveArgs& a) {
  GamePtr game = load_game(a.game);
  check_cfr_applicable(*game);
  parse_cfr_algorithm(a.algo);
  auto t0 = std::chrono::steady_clock::now();
  auto tree = GameTree::build(game);
  CfrSolver solver(tree, parse_cfr_algorithm(a.algo));
  fmt::print("{}: {} histories, {} information sets; {} for {} iterations\n", game->to_string(), tree.nodes().size(),
             tree.infosets().size(), a.algo, a.iterations);
  double expl = 0;
  for (int i = 1; i <= a.iterations; ++i) {
    solver.iterate();
    if (i % a.every == 0 || i == a.iterations) {
      auto avg = solver.average_policy();
      expl = exploitability(tree, avg);
      auto v = policy_values(tree, avg);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      fmt::print("iteration {:>7}  exploitability {:.6g}  value(player 0) {:+.6f}  {:.1f} s\n", i, expl, v[0], secs);
      std::fflush(stdout);
    }
  }
  if (!a.out.empty()) {
    TabularPolicy::from_flat(tree, solver.average_policy()).save(a.out);
    fmt::print("average policy written to {}\n", a.out);
  }
  return 0;
}

int run_exploitability(const std::string& game_string, const std::string& policy_path, const std::string& agent_spec) {
  GamePtr game = load_game(game_string);
  if (policy_path.empty() == agent_spec.empty()) throw Error("give exactly one of --policy FILE or --agent SPEC");
  auto tree = GameTree::build(game);
  std::vector<double> flat;
  std::string what;
  if (!policy_path.empty()) {
    flat = TabularPolicy::load(policy_path).to_flat(tree);
    what = policy_path;
  } else {
    auto agent = make_agent(agent_spec);
    flat = agent_policy(tree, *agent);
    what = agent->spec();
  }
  auto values = policy_values(tree, flat);
  fmt::print("{} on {}\n", what, game->to_string());
  for (Player p = 0; p < tree.num_players(); ++p)
    fmt::print("  player {}: value {:+.9f}, best-response value {:+.9f}\n", p, values[p],
               best_response_value(tree, flat, p));
  fmt::print("NashConv {:.9f}\nexploitability {:.9f}\n", nash_conv(tree, flat), exploitability(tree, flat));
  return 0;
}

struct EvalArgs {
  std::string agent, games, opponents, db = "arena.db", json;
  int per_seat = 50, threads = 0, max_retries = -1;
  std::uint64_t seed = 1;
  bool no_store = false;
};

int run_eval(const EvalArgs& a) {
  if (!a.json.empty()) {  // refused before any match is played, not after
    const auto dir = std::filesystem::path(a.json).parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir))
      throw Error("cannot write " + a.json + ": no directory " + dir.string());
  }
  TournamentConfig c;
  c.kind = "eval";
  c.games = split_list(a.games);
  auto agent = make_agent(a.agent);
  c.agents = {agent->spec()};
  for (const auto& o : split_list(a.opponents)) c.agents.push_back(make_agent(o)->spec());
  if (c.agents.size() > 1) c.gauntlet = c.agents[0];
  c.games_per_pair = a.per_seat;
  c.seed = a.seed;
  if (a.max_retries >= 0) c.max_retries = a.max_retries;
  TournamentOptions o;
  o.threads = a.threads;
  o.db_path = a.no_store ? "" : a.db;
  auto start = std::chrono::steady_clock::now();
  o.progress = [&](std::int64_t done, std::int64_t total) {
    if (done % 50 == 0 || done == total) {
      const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      fmt::print(stderr, "\r[eval] {}/{} matches  {:.1f}/s   ", done, total, t > 0 ? done / t : 0.0);
      if (done == total) fmt::print(stderr, "\n");
    }
  };
  auto r = run_tournament(c, o);
  const auto rows = evaluation_rows(r.matches, c.agents[0]);
  fmt::print("{}", render_evaluation(rows));
  if (!a.json.empty()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& row : rows) {
      const auto ci = wilson95(row.wins, row.n);
      out.push_back({{"agent", c.agents[0]}, {"game", row.game}, {"opponent", row.opponent}, {"seat", row.seat},
                     {"n", row.n}, {"wins", row.wins}, {"draws", row.draws}, {"losses", row.losses},
                     {"win_rate", row.n ? static_cast<double>(row.wins) / row.n : 0.0}, {"win_rate_lo", ci.lo},
                     {"win_rate_hi", ci.hi}, {"mean_return", row.mean_return}, {"normalized", row.normalized},
                     {"normalized_ci", row.normalized_ci}});
    }
    std::ofstream f(a.json);
    f << out.dump(1) << "\n";
    if (!f) throw Error("cannot write " + a.json);
  }
  for (const auto& g : c.games) {
    GamePtr game = load_game(g);
    try {
      auto tree = GameTree::build(game, 2'000'000);
      auto flat = agent_policy(tree, *agent);
      fmt::print("exploitability of {} on {}: {:.6f}\n", c.agents[0], game->to_string(), exploitability(tree, flat));
    } catch (const Error& e) {
      fmt::print("exploitability on {}: not computed ({})\n", game->to_string(), e.what());
    }
  }
  if (r.run_id) fmt::print("stored as eval run {} in {}\n", r.run_id, a.db);
  return 0;
}

}  // namespace

void add_solve_commands(CLI::App& app, Commands& commands) {
  auto* s = app.add_subcommand("solve", "Solve a small two-player zero-sum game with CFR or CFR+");
  auto sa = std::make_shared<SolveArgs>();
  s->add_option("game", sa->game, "Game string")->required();
  s->add_option("--algo", sa->algo, "cfr or cfr+");
  s->add_option("--iterations,-i", sa->iterations, "Iterations")->check(positive_number());
  s->add_option("--every", sa->every, "Print exploitability every this many iterations")->check(positive_number());
  s->add_option("--out,-o", sa->out, "Write the average policy here (JSON)");
  commands.emplace_back(s, [sa] { return run_solve(*sa); });

  auto* e = app.add_subcommand("exploitability", "Exact NashConv and exploitability of a policy file or an agent");
  auto eg = std::make_shared<std::string>(), ep = std::make_shared<std::string>(), ea = std::make_shared<std::string>();
  e->add_option("game", *eg, "Game string")->required();
  e->add_option("--policy", *ep, "Tabular policy file");
  e->add_option("--agent", *ea, "Agent spec whose action probabilities are evaluated");
  commands.emplace_back(e, [=] { return run_exploitability(*eg, *ep, *ea); });

  auto* v = app.add_subcommand("eval", "Evaluate one agent against fixed opponents in both seats");
  auto va = std::make_shared<EvalArgs>();
  v->add_option("--agent", va->agent, "Agent spec to evaluate")->required();
  v->add_option("--games", va->games, "Comma-separated game strings")->required();
  v->add_option("--opponents", va->opponents, "Comma-separated opponent specs (cooperative games use self-play)");
  v->add_option("--games-per-seat,-n", va->per_seat, "Matches per game, opponent and seat")
      ->check(positive_number());
  v->add_option("--seed", va->seed, "Seed");
  v->add_option("--db", va->db, "SQLite database file (stored as an eval run)");
  v->add_option("--threads", va->threads, "Worker threads (0: all cores)")->check(non_negative_number());
  v->add_flag("--no-store", va->no_store, "Do not write a database");
  v->add_option("--json", va->json, "Also write the table's rows to this file as a JSON array");
  v->add_option("--max-retries", va->max_retries, "Retries after a refused text answer before the forfeit (default 2)")
      ->check(non_negative_number());
  commands.emplace_back(v, [va] { return run_eval(*va); });
}

}  // namespace arena::cli
