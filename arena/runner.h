// The batched match runner: drives many matches at once on a thread pool. Each tick it advances every match through
// chance nodes (with the match's own RNG), gathers the pending decisions per agent, asks each agent for all of them
// in one call, then applies the answers. Results depend only on the run seed and match index, never on the thread
// count or on which matches happen to share a batch.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "arena/agent.h"
#include "arena/store.h"
#include "games/api/game.h"

namespace arena {

class ThreadPool;

// What happens when an agent answers with something that is not a legal action (text agents: unparsable text or an
// illegal string; any agent: an illegal id or a time-out). Text agents are asked again up to `max_retries` times
// with the error shown; then the offender forfeits and the match ends with these returns:
//   mars:    offender -L-10, where L is what the offender stands to lose (State::forfeit_loss), everyone else 0
//   spiral:  offender -1.5, everyone else +0.5
//   penalty(offender=X,other=Y): offender X, everyone else Y
struct InvalidActionPolicy {
  enum class Kind { kMars, kSpiral, kFixed };
  Kind kind = Kind::kMars;
  double offender = -1.0;
  double other = 0.0;
  int max_retries = 2;
  std::string spec = "mars";

  static InvalidActionPolicy parse(const std::string& spec, int max_retries);
  std::vector<double> forfeit_returns(const State& state, Player offender) const;
};

struct RunnerOptions {
  int threads = 0;                 // 0: one per hardware thread
  int max_in_flight = 256;         // matches advanced together
  double time_limit_s = 0;         // per agent call (one batch); 0: none. Checked when the call returns.
  InvalidActionPolicy invalid;
  bool record_observations = true;
};

struct MatchJob {
  std::int64_t match_id = 0;       // database id (0 when not stored)
  std::int64_t idx = 0;            // index within the run
  GamePtr game;
  std::vector<int> seats;          // agent index per seat
  std::uint64_t seed = 0;
};

struct MatchOutcome {
  const MatchJob* job = nullptr;
  std::vector<double> returns;
  std::string outcome = "normal";
  std::vector<Action> history;
  std::vector<TurnRow> turns;
  std::vector<RejectedRow> rejected;  // refused answers (retried or forfeited), in order
};

class MatchRunner {
 public:
  MatchRunner(std::vector<Agent*> agents, RunnerOptions options);
  // Plays every job; calls on_start when a match begins and on_done when it ends. The callbacks may run on worker
  // threads but never concurrently with each other.
  void run(const std::vector<MatchJob>& jobs, const std::function<void(const MatchJob&)>& on_start,
           const std::function<void(MatchOutcome&&)>& on_done);

 private:
  void tick_loop(const std::vector<MatchJob>& jobs, std::atomic<size_t>& next, int cap, ThreadPool* pool,
                 const std::function<void(const MatchJob&)>& on_start,
                 const std::function<void(MatchOutcome&&)>& on_done);
  std::vector<Agent*> agents_;
  RunnerOptions options_;
};

// Per-decision seed: decision randomness depends on (match seed, ply, attempt) only.
std::uint64_t decision_seed(std::uint64_t match_seed, int ply, int attempt);

}  // namespace arena
