// The rollout schedule of a training step and its matches (torch-free), shared by the policy kinds: every game of the
// run, `episodes` matches per (game, seat) — self-play puts the learner (agent 0) in every seat; fixed_opponent puts
// it in one seat against the game's opponent (agent 1 + slot). Matches are seeded from the step's seed and their
// index, stored in SQLite when the run stores turns, and played on one runner thread.
#pragma once

#include <cstdint>
#include <vector>

#include "arena/agent.h"
#include "arena/runner.h"
#include "arena/store.h"
#include "trainer/config.h"
#include "trainer/features.h"

namespace arena::trainer {


struct Planned {
  int slot = 0;
  std::vector<int> seats;             // agent index per seat (0 = the learner)
  std::vector<Player> learner_seats;
};

// The schedule of one step; in fixed_opponent mode also makes and prepares one opponent per slot into `opponents`.
std::vector<Planned> make_schedule(const TrainConfig& config, const GameSlots& slots, std::vector<AgentPtr>& opponents);

struct Rollouts {
  std::vector<MatchJob> jobs;
  std::vector<MatchOutcome> outcomes;  // in schedule order
};

// Plays the matches of step `step` (1-based). `agents` = the learner then the opponents; `agent_ids` their ids in
// `store` (used when config.store_turns).
Rollouts play_rollouts(const TrainConfig& config, const GameSlots& slots, const std::vector<Planned>& schedule,
                       int step, const std::vector<Agent*>& agents, const std::vector<std::int64_t>& agent_ids,
                       Store* store, std::int64_t run_id);

}  // namespace arena::trainer
