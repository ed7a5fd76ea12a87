#include "arena/runner.h"

#include <chrono>
#include <cmath>
#include <atomic>
#include <memory>
#include <mutex>

#include "arena/thread_pool.h"
#include "games/api/rng.h"

namespace arena {

InvalidActionPolicy InvalidActionPolicy::parse(const std::string& spec, int max_retries) {
  InvalidActionPolicy p;
  p.spec = spec;
  p.max_retries = max_retries;
  if (max_retries < 0) throw Error("--max-retries must be >= 0, got " + std::to_string(max_retries));
  SpecString s = parse_spec_string(spec, "invalid-action policy");
  if (s.name == "mars" && s.args.empty()) {
    p.kind = Kind::kMars;
  } else if (s.name == "spiral" && s.args.empty()) {
    p.kind = Kind::kSpiral;
    p.offender = -1.5;
    p.other = 0.5;
  } else if (s.name == "penalty") {
    p.kind = Kind::kFixed;
    auto params = GameParams::from_strings({double_param("offender", -1, {}, {}, "offender's return"),
                                            double_param("other", 0, {}, {}, "everyone else's return")},
                                           s.args, "invalid-action policy 'penalty'");
    p.offender = params.get_double("offender");
    p.other = params.get_double("other");
  } else {
    throw Error("unknown invalid-action policy '" + spec + "'; use mars, spiral or penalty(offender=X,other=Y)");
  }
  return p;
}

std::vector<double> InvalidActionPolicy::forfeit_returns(const State& state, Player offender) const {
  std::vector<double> r(state.num_players(), kind == Kind::kMars ? 0.0 : other);
  if (kind == Kind::kMars) r[offender] = -state.forfeit_loss(offender) - 10.0;
  else r[offender] = this->offender;
  return r;
}

std::uint64_t decision_seed(std::uint64_t match_seed, int ply, int attempt) {
  const std::uint64_t s = derive_seed(match_seed, 1 + static_cast<std::uint64_t>(ply));
  return attempt == 0 ? s : derive_seed(s, static_cast<std::uint64_t>(attempt));
}

MatchRunner::MatchRunner(std::vector<Agent*> agents, RunnerOptions options)
    : agents_(std::move(agents)), options_(std::move(options)) {}

namespace {

struct Live {
  const MatchJob* job = nullptr;
  std::unique_ptr<State> state;
  Rng chance_rng;
  std::vector<TurnRow> turns;
  std::vector<RejectedRow> rejected;
  int attempt = 0;
  std::string error;
  bool finished = false;
  std::vector<double> forfeit;
  std::string outcome = "normal";
};

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

void MatchRunner::run(const std::vector<MatchJob>& jobs, const std::function<void(const MatchJob&)>& on_start,
                      const std::function<void(MatchOutcome&&)>& on_done) {
  ThreadPool pool(options_.threads);
  std::atomic<size_t> next{0};
  std::mutex callback_mu;
  auto start_cb = [&](const MatchJob& j) {
    std::lock_guard lock(callback_mu);
    if (on_start) on_start(j);
  };
  auto done_cb = [&](MatchOutcome&& o) {
    std::lock_guard lock(callback_mu);
    on_done(std::move(o));
  };
  bool all_thread_safe = true;
  for (Agent* a : agents_) all_thread_safe = all_thread_safe && a->thread_safe();
  if (all_thread_safe && pool.size() > 1) {
    // Independent shards, one per thread, each with its own tick loop and batches: no barrier per tick.
    const int per_shard = std::max(1, options_.max_in_flight / pool.size());
    pool.parallel_for(pool.size(), [&](int) { tick_loop(jobs, next, per_shard, nullptr, start_cb, done_cb); });
  } else {
    // One loop over every match so each agent sees one batch per tick (one forward pass for neural agents).
    tick_loop(jobs, next, std::max(1, options_.max_in_flight), &pool, start_cb, done_cb);
  }
}

void MatchRunner::tick_loop(const std::vector<MatchJob>& jobs, std::atomic<size_t>& next, int cap, ThreadPool* pool,
                            const std::function<void(const MatchJob&)>& on_start,
                            const std::function<void(MatchOutcome&&)>& on_done) {
  auto parallel = [&](int n, const std::function<void(int)>& fn) {
    if (pool) pool->parallel_for(n, fn);
    else
      for (int i = 0; i < n; ++i) fn(i);
  };
  const int threads = pool ? pool->size() : 1;
  std::vector<std::unique_ptr<Live>> live;

  auto record = [&](Live& m, Player player, Action a, double latency_ms, int retries, std::optional<double> logprob,
                    std::optional<std::string> raw) {
    TurnRow t;
    t.ply = m.state->move_number();
    t.player = player;
    t.action = a;
    t.action_text = m.state->action_to_string(player, a);
    if (player >= 0 && options_.record_observations) t.observation = m.state->observation_text(player);
    t.logprob = logprob;
    t.raw_response = std::move(raw);
    t.latency_ms = latency_ms;
    t.retries = retries;
    m.state->apply_action(a);
    t.rewards = m.state->rewards();
    m.turns.push_back(std::move(t));
  };

  while (true) {
    while (static_cast<int>(live.size()) < cap) {
      const size_t j = next++;
      if (j >= jobs.size()) break;
      auto m = std::make_unique<Live>();
      m->job = &jobs[j];
      m->state = m->job->game->new_initial_state();
      m->chance_rng.reseed(derive_seed(m->job->seed, 0));
      on_start(*m->job);
      live.push_back(std::move(m));
    }
    if (live.empty()) break;
    // Chance moves: each match uses its own RNG.
    parallel(static_cast<int>(live.size()), [&](int i) {
      Live& m = *live[i];
      while (m.state->is_chance_node()) record(m, kChancePlayer, m.chance_rng.sample(m.state->chance_outcomes()), 0, 0,
                                               std::nullopt, std::nullopt);
    });
    for (auto& m : live) {
      if (!m->state->is_terminal() && m->forfeit.empty()) continue;
      MatchOutcome out;
      out.job = m->job;
      out.returns = m->forfeit.empty() ? m->state->returns() : m->forfeit;
      out.outcome = m->outcome;
      out.history = m->state->history();
      out.turns = std::move(m->turns);
      out.rejected = std::move(m->rejected);
      on_done(std::move(out));
      m.reset();
    }
    std::erase_if(live, [](const auto& m) { return !m; });
    if (live.empty()) continue;

    // Gather the pending decisions per agent.
    std::vector<std::vector<int>> by_agent(agents_.size());
    for (int i = 0; i < static_cast<int>(live.size()); ++i) {
      Live& m = *live[i];
      by_agent[m.job->seats[m.state->current_player()]].push_back(i);
    }
    std::vector<Decision> decisions(live.size());
    std::vector<double> latency(live.size(), 0.0);
    std::vector<bool> timed_out(live.size(), false);
    for (size_t a = 0; a < agents_.size(); ++a) {
      const auto& idx = by_agent[a];
      if (idx.empty()) continue;
      std::vector<DecisionRequest> reqs(idx.size());
      for (size_t k = 0; k < idx.size(); ++k) {
        Live& m = *live[idx[k]];
        auto& r = reqs[k];
        r.state = m.state.get();
        r.player = m.state->current_player();
        r.match_id = static_cast<std::uint64_t>(m.job->idx);
        r.seed = decision_seed(m.job->seed, m.state->move_number(), m.attempt);
        r.attempt = m.attempt;
        r.error = m.error;
      }
      Agent* agent = agents_[a];
      // Thread-safe agents get the batch split into one contiguous chunk per thread; others answer it whole.
      const int chunks = agent->thread_safe() ? std::min<int>(threads, static_cast<int>(reqs.size())) : 1;
      std::vector<std::vector<Decision>> answers(chunks);
      std::vector<double> call_ms(chunks, 0.0);
      auto run_chunk = [&](int c) {
        const size_t lo = reqs.size() * c / chunks, hi = reqs.size() * (c + 1) / chunks;
        const double t0 = now_ms();
        answers[c] = agent->act(std::span<const DecisionRequest>(reqs.data() + lo, hi - lo));
        call_ms[c] = now_ms() - t0;
        if (answers[c].size() != hi - lo)
          throw Error("agent " + agent->spec() + " returned " + std::to_string(answers[c].size()) + " decisions for " +
                      std::to_string(hi - lo) + " requests");
      };
      if (chunks == 1) run_chunk(0);
      else parallel(chunks, run_chunk);
      for (int c = 0; c < chunks; ++c) {
        const size_t lo = reqs.size() * c / chunks, hi = reqs.size() * (c + 1) / chunks;
        for (size_t k = lo; k < hi; ++k) {
          decisions[idx[k]] = std::move(answers[c][k - lo]);
          latency[idx[k]] = call_ms[c] / static_cast<double>(hi - lo);
          if (options_.time_limit_s > 0 && call_ms[c] > options_.time_limit_s * 1000.0) timed_out[idx[k]] = true;
        }
      }
    }
    // Apply the answers.
    parallel(static_cast<int>(live.size()), [&](int i) {
      Live& m = *live[i];
      const Player p = m.state->current_player();
      Agent* agent = agents_[m.job->seats[p]];
      Decision& d = decisions[i];
      std::string problem;
      Action a = d.action;
      if (timed_out[i]) {
        problem = "no answer within the time limit of " + std::to_string(options_.time_limit_s) + " s";
      } else if (!d.error.empty()) {
        problem = d.error;
      } else if (d.action < 0 && d.text) {
        auto parsed = m.state->string_to_action(p, *d.text);
        if (parsed) a = *parsed;
        else problem = "'" + d.text->substr(0, 200) + "' is not one of the legal actions";
      } else if (!m.state->is_legal(d.action)) {
        problem = "action " + std::to_string(d.action) + " is not legal";
      }
      if (problem.empty()) {
        record(m, p, a, latency[i], m.attempt, d.logprob, d.text);
        m.attempt = 0;
        m.error.clear();
        return;
      }
      m.rejected.push_back({m.state->move_number(), p, m.attempt, d.text, problem});
      if (agent->answers_in_text() && !timed_out[i] && m.attempt < options_.invalid.max_retries) {
        ++m.attempt;
        m.error = problem;
        return;
      }
      m.forfeit = options_.invalid.forfeit_returns(*m.state, p);
      m.outcome = "forfeit: player " + std::to_string(p) + " (" + agent->spec() + "): " + problem;
    });
  }
}

}  // namespace arena
