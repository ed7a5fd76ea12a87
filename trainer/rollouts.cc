#include "trainer/rollouts.h"

#include <memory>

#include "games/api/params.h"
#include "games/api/registry.h"
#include "games/api/rng.h"

namespace arena::trainer {

std::vector<Planned> make_schedule(const TrainConfig& config, const GameSlots& slots, std::vector<AgentPtr>& opponents) {
  std::vector<Planned> schedule;
  for (int s = 0; s < slots.size(); ++s) {
    const auto& game = *slots.game(s);
    const int n = game.num_players();
    if (n > kMaxSeats) throw Error(game.to_string() + ": training supports at most 64 players");
    const int episodes = config.games[s].episodes;
    if (config.mode == "self_play") {
      for (int e = 0; e < episodes; ++e) {
        Planned p{s, std::vector<int>(n, 0), {}};
        for (int q = 0; q < n; ++q) p.learner_seats.push_back(q);
        schedule.push_back(p);
      }
    } else {
      const std::string spec = config.games[s].opponent.empty() ? config.opponent : config.games[s].opponent;
      opponents.push_back(make_agent(spec));
      opponents.back()->prepare(game);
      for (int seat = 0; seat < n; ++seat)
        for (int e = 0; e < episodes; ++e) {
          Planned p{s, std::vector<int>(n, 1 + s), {seat}};
          p.seats[seat] = 0;
          schedule.push_back(p);
        }
    }
  }
  return schedule;
}

Rollouts play_rollouts(const TrainConfig& config, const GameSlots& slots, const std::vector<Planned>& schedule,
                       int step, const std::vector<Agent*>& agents, const std::vector<std::int64_t>& agent_ids,
                       Store* store, std::int64_t run_id) {
  const std::uint64_t step_seed = derive_seed(config.seed, static_cast<std::uint64_t>(step));
  const std::int64_t first_idx = static_cast<std::int64_t>(step - 1) * static_cast<std::int64_t>(schedule.size());
  const bool storing = config.store_turns && store;
  Rollouts r;
  r.jobs.resize(schedule.size());
  std::vector<PlannedMatch> planned;
  for (size_t k = 0; k < schedule.size(); ++k) {
    auto& j = r.jobs[k];
    j.idx = first_idx + static_cast<std::int64_t>(k);
    j.game = slots.game(schedule[k].slot);
    j.seats = schedule[k].seats;
    j.seed = derive_seed(step_seed, k);
    if (storing) {
      PlannedMatch pm{j.idx, slots.names()[schedule[k].slot], j.seed, {}};
      for (int a : j.seats) pm.seat_agent_ids.push_back(agent_ids[static_cast<size_t>(a)]);
      planned.push_back(pm);
    }
  }
  if (storing) {
    auto ids = store->add_matches(run_id, planned);
    for (size_t k = 0; k < r.jobs.size(); ++k) r.jobs[k].match_id = ids[k];
  }
  RunnerOptions ropt;
  ropt.threads = 1;
  ropt.max_in_flight = config.max_in_flight;
  ropt.invalid = InvalidActionPolicy::parse(config.invalid, 0);
  ropt.record_observations = config.store_turns;
  r.outcomes.resize(r.jobs.size());
  std::unique_ptr<StoreWriter> writer;
  if (storing) writer = std::make_unique<StoreWriter>(*store);
  MatchRunner runner(agents, ropt);
  runner.run(
      r.jobs, [&](const MatchJob& j) { if (writer) writer->match_started(j.match_id); },
      [&](MatchOutcome&& o) {
        const size_t k = static_cast<size_t>(o.job->idx - first_idx);
        if (writer) {
          writer->check();
          writer->match_completed({o.job->match_id, o.returns, o.outcome, o.turns, o.rejected});
        }
        r.outcomes[k] = std::move(o);
      });
  if (writer) writer->flush();
  return r;
}

}  // namespace arena::trainer
