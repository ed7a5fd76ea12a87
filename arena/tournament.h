// Tournaments: a deterministic schedule of matches played by the batched runner and logged to the store.
//
// Schedule, for each game in order: with one agent, N self-play matches; with a gauntlet agent G, G against each
// other agent; otherwise every unordered pair. Each pairing plays N matches in each seat order (two-player games);
// games for more players seat the agents in rotation (N matches per rotation). Match k of the run has seed
// derive_seed(run seed, k), so the matches and the stored turns depend only on the configuration.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "arena/runner.h"
#include "arena/store.h"

namespace arena {

struct TournamentConfig {
  std::string kind = "tournament";  // "eval": cooperative games are played in self-play by the gauntlet agent
  std::vector<std::string> games;
  std::vector<std::string> agents;
  int games_per_pair = 10;
  std::uint64_t seed = 1;
  std::string gauntlet;            // empty: round robin
  std::string invalid_policy = "mars";
  int max_retries = 2;
  double time_limit_s = 0;

  std::string to_json() const;     // canonical: used to find the run again on --resume
};

struct TournamentOptions {
  int threads = 0;
  std::string db_path = "arena.db";  // empty: no store
  bool resume = false;
  // Called with (done, total) after every finished match.
  std::function<void(std::int64_t, std::int64_t)> progress;
};

struct TournamentResult {
  std::int64_t run_id = 0;                 // 0 without a store
  std::vector<MatchRow> matches;           // every match of the run, done
  std::int64_t played_now = 0;             // matches played by this call (fewer than all when resuming)
};

struct ScheduledMatch {
  std::string game;
  std::vector<int> seats;  // agent index per seat
};
std::vector<ScheduledMatch> make_schedule(const TournamentConfig& config);

// Validates the configuration (games load, agents build, seats fit) before anything is written.
TournamentResult run_tournament(const TournamentConfig& config, const TournamentOptions& options);

}  // namespace arena
