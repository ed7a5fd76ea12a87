// arena tournament | ratings | matches | replay | export
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include <fmt/core.h>

#include "arena/ratings.h"
#include "arena/replay.h"
#include "arena/text_table.h"
#include "arena/tournament.h"
#include "tools/arena/commands.h"

namespace arena::cli {
namespace {

// "\r[run] 120/400 matches  35.2/s  ETA 8s" on stderr, at most five times a second, then a final newline.
std::function<void(std::int64_t, std::int64_t)> progress_line(const std::string& label) {
  auto start = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  auto last = std::make_shared<double>(-1.0);
  auto first_done = std::make_shared<std::int64_t>(-1);
  return [=](std::int64_t done, std::int64_t total) {
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - *start).count();
    if (*first_done < 0) *first_done = done - 1;
    if (done < total && t - *last < 0.2) return;
    *last = t;
    const double rate = t > 0 ? (done - *first_done) / t : 0;
    const double eta = rate > 0 ? (total - done) / rate : 0;
    fmt::print(stderr, "\r[{}] {}/{} matches  {:.1f}/s  ETA {:.0f}s   ", label, done, total, rate, eta);
    if (done == total) fmt::print(stderr, "\n");
    std::fflush(stderr);
  };
}

struct TournamentArgs {
  std::string games, agents, gauntlet, db = "arena.db", invalid = "mars";
  int games_per_pair = 10, threads = 0, max_retries = 2;
  std::uint64_t seed = 1;
  double time_limit = 0;
  bool resume = false, no_store = false;
};

int run_tournament_cmd(const TournamentArgs& a) {
  TournamentConfig c;
  c.games = split_list(a.games);
  c.agents = split_list(a.agents);
  c.games_per_pair = a.games_per_pair;
  c.seed = a.seed;
  c.gauntlet = a.gauntlet;
  c.invalid_policy = a.invalid;
  c.max_retries = a.max_retries;
  c.time_limit_s = a.time_limit;
  TournamentOptions o;
  o.threads = a.threads;
  o.db_path = a.no_store ? "" : a.db;
  o.resume = a.resume;
  o.progress = progress_line("tournament");
  auto r = run_tournament(c, o);
  fmt::print("{}", render_summary(summarize(r.matches)));
  if (r.run_id) {
    fmt::print("run {} stored in {} ({} matches played now).\n", r.run_id, a.db, r.played_now);
    if (!r.matches.empty())
      fmt::print("Replay a match: arena replay --db {} --match {}    Recompute: arena ratings --db {} --run {}\n", a.db,
                 r.matches.front().id, a.db, r.run_id);
  }
  return 0;
}

int run_ratings(const std::string& db, std::int64_t run_id) {
  Store store(db, true);
  MatchFilter f;
  if (run_id > 0) {
    if (!store.run(run_id)) throw Error("no run with id " + std::to_string(run_id) + " in '" + db + "'");
    f.run_id = run_id;
  } else {
    auto runs = store.runs();
    if (runs.empty()) throw Error("'" + db + "' has no runs");
    f.run_id = runs.back().id;
  }
  auto run = store.run(*f.run_id);
  fmt::print("run {} ({}, {}, {})\n", run->id, run->kind, run->status, run->created_at);
  fmt::print("{}", render_summary(summarize(store.matches(f))));
  return 0;
}

struct MatchesArgs {
  std::string db = "arena.db", game, agent, status;
  std::int64_t run = 0;
  int limit = 50;
};

int run_matches(const MatchesArgs& a) {
  Store store(a.db, true);
  MatchFilter f;
  if (a.run > 0) f.run_id = a.run;
  if (!a.game.empty()) f.game = a.game;
  if (!a.agent.empty()) f.agent = a.agent;
  if (!a.status.empty()) f.status = a.status;
  f.limit = a.limit;
  Table t({"id", "run", "game", "seats", "status", "returns", "turns", "outcome"});
  auto rows = store.matches(f);
  for (const auto& m : rows) {
    std::string seats, ret;
    for (const auto& s : m.seat_specs) seats += (seats.empty() ? "" : " vs ") + s;
    for (double r : m.returns) ret += fmt::format("{}{:+g}", ret.empty() ? "" : " ", r);
    t.add({std::to_string(m.id), std::to_string(m.run_id), m.game, seats, m.status, ret, std::to_string(m.num_turns),
           m.outcome});
  }
  fmt::print("{}{} match(es){}\n", t.render({0, 1, 6}), rows.size(),
             a.limit > 0 && static_cast<int>(rows.size()) == a.limit ? " (use --limit 0 for all)" : "");
  return 0;
}

int run_replay(const std::string& db, std::int64_t match, int player) {
  Store store(db, true);
  auto rep = replay_stored_match(store, match, player >= 0 ? std::optional<int>(player) : std::nullopt);
  fmt::print("{}", rep.text);
  if (rep.mismatches.empty()) {
    fmt::print("verified: stored observations, rewards and returns equal the re-run\n");
    return 0;
  }
  for (const auto& m : rep.mismatches) fmt::print(stderr, "MISMATCH {}\n", m);
  return 2;
}

int run_export(const std::string& db, std::int64_t run, const std::string& format, const std::string& out) {
  if (format != "jsonl") throw Error("--format '" + format + "' is not supported; use jsonl");
  Store store(db, true);
  if (out.empty() || out == "-") {
    export_jsonl(store, run, std::cout);
  } else {
    std::ofstream f(out);
    if (!f) throw Error("cannot write '" + out + "'");
    export_jsonl(store, run, f);
  }
  return 0;
}

}  // namespace

void add_tournament_commands(CLI::App& app, Commands& commands) {
  auto* t = app.add_subcommand("tournament", "Round robin or gauntlet between agents, logged to SQLite, with ratings");
  auto ta = std::make_shared<TournamentArgs>();
  t->add_option("--games", ta->games, "Comma-separated game strings")->required();
  t->add_option("--agents", ta->agents, "Comma-separated agent specs, e.g. random,mcts(sims=100)")->required();
  t->add_option("--games-per-pair,-n", ta->games_per_pair, "Matches per pairing and seat order, per game")
      ->check(positive_number());
  t->add_option("--seed", ta->seed, "Run seed (match k uses a seed derived from it and k)");
  t->add_option("--db", ta->db, "SQLite database file");
  t->add_option("--gauntlet", ta->gauntlet, "This agent plays every other agent (instead of round robin)");
  t->add_option("--threads", ta->threads, "Worker threads (default: all cores); results do not depend on it")
      ->check(non_negative_number());
  t->add_option("--invalid-policy", ta->invalid, "mars, spiral or penalty(offender=X,other=Y)");
  t->add_option("--max-retries", ta->max_retries, "Retries for a text agent's invalid answer before it forfeits");
  t->add_option("--time-limit", ta->time_limit, "Seconds allowed per agent call (0: none)")
      ->check(non_negative_number());
  t->add_flag("--resume", ta->resume, "Finish the unfinished run with this configuration in --db");
  t->add_flag("--no-store", ta->no_store, "Do not write a database");
  commands.emplace_back(t, [ta] { return run_tournament_cmd(*ta); });

  auto* r = app.add_subcommand("ratings", "Recompute a run's results and ratings from the database alone");
  auto rdb = std::make_shared<std::string>("arena.db");
  auto rrun = std::make_shared<std::int64_t>(0);
  r->add_option("--db", *rdb, "SQLite database file");
  r->add_option("--run", *rrun, "Run id (default: the newest run)");
  commands.emplace_back(r, [=] { return run_ratings(*rdb, *rrun); });

  auto* m = app.add_subcommand("matches", "List stored matches");
  auto ma = std::make_shared<MatchesArgs>();
  m->add_option("--db", ma->db, "SQLite database file");
  m->add_option("--run", ma->run, "Only this run");
  m->add_option("--game", ma->game, "Only this game (short name or full game string)");
  m->add_option("--agent", ma->agent, "Only matches with this agent spec in a seat");
  m->add_option("--status", ma->status, "pending, running or done")
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            if (s == "pending" || s == "running" || s == "done") return "";
            return "must be pending, running or done, got '" + s + "'";
          },
          "STATUS"));
  m->add_option("--limit", ma->limit, "At most this many rows (0: all)")->check(non_negative_number());
  commands.emplace_back(m, [ma] { return run_matches(*ma); });

  auto* rp = app.add_subcommand("replay", "Rebuild a stored match, print it and verify the stored turns");
  auto pdb = std::make_shared<std::string>("arena.db");
  auto pmatch = std::make_shared<std::int64_t>(0);
  auto pplayer = std::make_shared<int>(-1);
  rp->add_option("--db", *pdb, "SQLite database file");
  rp->add_option("--match", *pmatch, "Match id (see arena matches)")->required();
  rp->add_option("--player", *pplayer, "Also show what this player saw")->check(non_negative_number());
  commands.emplace_back(rp, [=] { return run_replay(*pdb, *pmatch, *pplayer); });

  auto* e = app.add_subcommand("export", "Write a run's matches, one JSON object per line");
  auto edb = std::make_shared<std::string>("arena.db");
  auto erun = std::make_shared<std::int64_t>(0);
  auto efmt = std::make_shared<std::string>("jsonl");
  auto eout = std::make_shared<std::string>();
  e->add_option("--db", *edb, "SQLite database file");
  e->add_option("--run", *erun, "Run id")->required();
  e->add_option("--format", *efmt, "jsonl");
  e->add_option("--out,-o", *eout, "Output file (default: standard output)");
  commands.emplace_back(e, [=] { return run_export(*edb, *erun, *efmt, *eout); });
}

}  // namespace arena::cli
