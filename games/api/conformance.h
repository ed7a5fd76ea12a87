// The game conformance suite: random play that checks the engine contract at every step. It runs over every
// registered game and every plugin (tests, and `arena check-game`). Game authors can call it from their own tests.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace arena {

struct ConformanceOptions {
  int num_games = 10000;
  std::uint64_t seed = 1;
  // Serialize/deserialize round trip every `serialize_every` steps (1 = every step).
  int serialize_every = 1;
  // Private-information substitution check on every `privacy_every`-th game (imperfect-information games only).
  int privacy_every = 10;
  // Stop collecting after this many failures.
  int max_failures = 20;
  // Called after each game with (games done, total).
  std::function<void(int, int)> progress;
};

struct ConformanceReport {
  std::string game;
  int games_played = 0;
  std::int64_t states_checked = 0;
  std::int64_t privacy_checks = 0;
  int max_length_seen = 0;
  std::vector<std::string> failures;  // each names the check and the serialized history that shows it
  bool ok() const { return failures.empty(); }
};

// Runs the suite on `game_string`. Never throws for a misbehaving game: every problem becomes a failure entry.
ConformanceReport check_game(const std::string& game_string, const ConformanceOptions& options = {});

// A deterministic, human-readable record of one seeded random game: every state's player, legal actions with their
// strings, every player's observation text and tensor, the chosen action and the rewards. Stored golden files are
// diffed against this.
std::string playthrough(const std::string& game_string, std::uint64_t seed);

}  // namespace arena
