#include "arena/tournament.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "games/api/registry.h"
#include "games/api/rng.h"

namespace arena {

std::string TournamentConfig::to_json() const {
  nlohmann::json j{{"kind", kind},
                   {"games", games},
                   {"agents", agents},
                   {"games_per_pair", games_per_pair},
                   {"seed", seed},
                   {"gauntlet", gauntlet},
                   {"invalid_policy", invalid_policy},
                   {"max_retries", max_retries},
                   {"time_limit_s", time_limit_s}};
  return j.dump();
}

std::vector<ScheduledMatch> make_schedule(const TournamentConfig& c) {
  std::vector<ScheduledMatch> out;
  const int k = static_cast<int>(c.agents.size());
  int g_idx = -1;
  if (!c.gauntlet.empty()) {
    auto it = std::find(c.agents.begin(), c.agents.end(), c.gauntlet);
    g_idx = static_cast<int>(it - c.agents.begin());
  }
  for (const auto& game_string : c.games) {
    GamePtr game = load_game(game_string);
    const std::string g = game->to_string();
    const int n = game->num_players();
    auto add = [&](std::vector<int> seats) {
      for (int r = 0; r < c.games_per_pair; ++r) out.push_back({g, seats});
    };
    if (k == 1) {
      add(std::vector<int>(n, 0));
      continue;
    }
    if (c.kind == "eval" && game->type().utility == Utility::kIdentical) {
      add(std::vector<int>(n, g_idx));  // a cooperative game is evaluated by the agent's self-play score
      continue;
    }
    std::vector<std::pair<int, int>> pairs;
    for (int i = 0; i < k; ++i)
      for (int j = i + 1; j < k; ++j)
        if (g_idx < 0 || i == g_idx || j == g_idx) pairs.emplace_back(i, j);
    if (n == 2) {
      for (auto [i, j] : pairs) {
        add({i, j});
        add({j, i});
      }
    } else {
      // More than two seats: every agent starts once, the others follow in list order.
      for (int start = 0; start < k; ++start) {
        if (g_idx >= 0 && start != g_idx) continue;
        std::vector<int> seats(n);
        for (int s = 0; s < n; ++s) seats[s] = (start + s) % k;
        add(seats);
      }
    }
  }
  return out;
}

TournamentResult run_tournament(const TournamentConfig& config, const TournamentOptions& options) {
  if (config.games.empty()) throw Error("--games is empty: name at least one game");
  if (config.agents.empty()) throw Error("--agents is empty: name at least one agent");
  if (config.games_per_pair < 1) throw Error("--games-per-pair must be at least 1");
  if (!config.gauntlet.empty() &&
      std::find(config.agents.begin(), config.agents.end(), config.gauntlet) == config.agents.end())
    throw Error("--gauntlet '" + config.gauntlet + "' is not one of --agents");
  if (!config.gauntlet.empty() && config.agents.size() < 2) throw Error("--gauntlet needs at least two agents");
  // Build every agent and load every game before touching the database.
  std::vector<AgentPtr> owned;
  std::vector<Agent*> agents;
  std::vector<std::string> specs;
  for (const auto& a : config.agents) {
    owned.push_back(make_agent(a));
    agents.push_back(owned.back().get());
    specs.push_back(owned.back()->spec());
  }
  std::map<std::string, GamePtr> games;
  for (const auto& g : config.games) {
    auto game = load_game(g);
    games[game->to_string()] = game;
  }
  auto schedule = make_schedule(config);
  {
    std::set<std::pair<int, std::string>> prepared;
    for (const auto& m : schedule)
      for (int a : m.seats)
        if (prepared.emplace(a, m.game).second) agents[a]->prepare(*games.at(m.game));
  }
  RunnerOptions ropt;
  ropt.threads = options.threads;
  ropt.invalid = InvalidActionPolicy::parse(config.invalid_policy, config.max_retries);
  ropt.time_limit_s = config.time_limit_s;

  TournamentResult result;
  std::vector<MatchJob> jobs;
  std::unique_ptr<Store> store;
  const std::string cfg = config.to_json();
  std::map<std::int64_t, MatchRow> rows;  // by idx
  if (!options.db_path.empty()) {
    store = std::make_unique<Store>(options.db_path);
    if (options.resume) {
      auto run = store->find_unfinished_run(config.kind, cfg);
      if (!run)
        throw Error("--resume: no unfinished " + config.kind + " with this configuration in '" + options.db_path +
                    "' (run the same command without --resume to start one)");
      result.run_id = *run;
    } else {
      result.run_id = store->create_run(config.kind, cfg, config.seed);
      std::vector<std::int64_t> agent_ids;
      for (const auto& spec : specs) agent_ids.push_back(store->agent_id(spec));
      std::vector<PlannedMatch> planned;
      for (size_t i = 0; i < schedule.size(); ++i) {
        PlannedMatch pm;
        pm.idx = static_cast<std::int64_t>(i);
        pm.game = schedule[i].game;
        pm.seed = derive_seed(config.seed, i);
        for (int a : schedule[i].seats) pm.seat_agent_ids.push_back(agent_ids[a]);
        planned.push_back(pm);
      }
      store->add_matches(result.run_id, planned);
    }
    MatchFilter f;
    f.run_id = result.run_id;
    for (auto& m : store->matches(f)) rows[m.idx] = m;
    if (rows.size() != schedule.size())
      throw Error("run " + std::to_string(result.run_id) + " in '" + options.db_path + "' has " +
                  std::to_string(rows.size()) + " matches but the configuration schedules " +
                  std::to_string(schedule.size()));
  }
  for (size_t i = 0; i < schedule.size(); ++i) {
    const auto idx = static_cast<std::int64_t>(i);
    if (store && rows[idx].status == "done") continue;
    MatchJob j;
    j.match_id = store ? rows[idx].id : 0;
    j.idx = idx;
    j.game = games.at(schedule[i].game);
    j.seats = schedule[i].seats;
    j.seed = derive_seed(config.seed, i);
    jobs.push_back(std::move(j));
  }
  const std::int64_t total = static_cast<std::int64_t>(schedule.size());
  std::int64_t done = total - static_cast<std::int64_t>(jobs.size());
  std::unique_ptr<StoreWriter> writer;
  if (store) writer = std::make_unique<StoreWriter>(*store);
  MatchRunner runner(agents, ropt);
  runner.run(
      jobs, [&](const MatchJob& j) { if (writer) writer->match_started(j.match_id); },
      [&](MatchOutcome&& o) {
        MatchRow row;
        row.id = o.job->match_id;
        row.run_id = result.run_id;
        row.idx = o.job->idx;
        row.game = o.job->game->to_string();
        row.seed = o.job->seed;
        row.status = "done";
        for (int a : o.job->seats) row.seat_specs.push_back(specs[a]);
        row.returns = o.returns;
        row.outcome = o.outcome;
        row.num_turns = static_cast<int>(o.turns.size());
        rows[row.idx] = row;
        if (writer) {
          writer->check();
          writer->match_completed({o.job->match_id, o.returns, o.outcome, std::move(o.turns), std::move(o.rejected)});
        }
        ++result.played_now;
        if (options.progress) options.progress(++done, total);
      });
  if (writer) {
    writer->flush();
    writer.reset();
    store->finish_run(result.run_id);
    MatchFilter f;
    f.run_id = result.run_id;
    result.matches = store->matches(f);
  } else {
    for (auto& [idx, row] : rows) result.matches.push_back(row);
  }
  return result;
}

}  // namespace arena
