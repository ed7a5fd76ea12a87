// Replaying stored matches: rebuild the match from its game string and action list, print it, and verify that the
// stored observation texts, rewards and returns equal the re-run. Also JSONL export of whole matches.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "arena/store.h"

namespace arena {

struct ReplayReport {
  std::string text;                     // the match, turn by turn
  std::vector<std::string> mismatches;  // empty when the database agrees with the re-run
};

// `viewer`: also print what that player saw before each of its moves and at the end.
ReplayReport replay_stored_match(Store& store, std::int64_t match_id, std::optional<int> viewer);

// One JSON object per match: ids, game, seed, seats, returns, outcome and every turn.
void export_jsonl(Store& store, std::int64_t run_id, std::ostream& out);

}  // namespace arena
