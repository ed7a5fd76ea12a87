#include "agents/builtin.h"
#include "agents/mcts_agent.h"
#include "arena/ratings.h"
#include "arena/runner.h"
#include "games/api/registry.h"
#include "games/api/rng.h"
#include "tests/catch_compat.h"

#include <cmath>

using namespace arena;

namespace {
// A text agent that first answers garbage, then (if allowed enough retries) the first legal move.
struct StubbornTextAgent : Agent {
  int good_after;
  explicit StubbornTextAgent(int g) : good_after(g) {}
  std::string spec() const override { return "stubborn"; }
  bool answers_in_text() const override { return true; }
  std::vector<Decision> act(std::span<const DecisionRequest> reqs) override {
    std::vector<Decision> out(reqs.size());
    for (size_t i = 0; i < reqs.size(); ++i) {
      if (reqs[i].attempt < good_after) out[i].text = "I think <X(9,9)> is best";
      else out[i].text = reqs[i].state->action_to_string(reqs[i].player, reqs[i].state->legal_actions()[0]);
      if (reqs[i].attempt > 0) CHECK(!reqs[i].error.empty());
    }
    return out;
  }
};

std::vector<MatchOutcome> run_jobs(std::vector<Agent*> agents, const std::string& game, int n, RunnerOptions o) {
  std::vector<MatchJob> jobs(n);
  auto g = load_game(game);
  for (int i = 0; i < n; ++i) {
    jobs[i].idx = i;
    jobs[i].game = g;
    jobs[i].seats = {0, 1};
    jobs[i].seed = derive_seed(99, i);
  }
  std::vector<MatchOutcome> out(n);
  MatchRunner runner(agents, o);
  runner.run(jobs, nullptr, [&](MatchOutcome&& m) { out[m.job->idx] = std::move(m); });
  return out;
}
}  // namespace

TEST_CASE("invalid text answers are retried, then forfeited with the configured penalties", "[runner]") {
  register_builtin_agents();
  auto random = make_agent("random");
  StubbornTextAgent never(100), second_try(1);
  RunnerOptions o;
  o.threads = 2;
  o.invalid = InvalidActionPolicy::parse("mars", 2);
  // Player 0 never answers legally: forfeits at its first move with -1-10, the other player gets 0.
  auto m = run_jobs({&never, random.get()}, "tic_tac_toe", 4, o);
  for (auto& x : m) {
    CHECK(x.returns == std::vector<double>{-11, 0});
    CHECK(x.outcome.find("forfeit: player 0 (stubborn)") == 0);
    CHECK(x.history.empty());
    // Every refused answer is kept: the first one and both retries, the last being the forfeiting one.
    REQUIRE(x.rejected.size() == 3);
    for (int a = 0; a < 3; ++a) {
      CHECK(x.rejected[a].attempt == a);
      CHECK(x.rejected[a].ply == 0);
      CHECK(x.rejected[a].player == 0);
      CHECK(x.rejected[a].raw_response == std::optional<std::string>("I think <X(9,9)> is best"));
      CHECK(x.rejected[a].error.find("not one of the legal actions") != std::string::npos);
    }
  }
  // Poker: -bet-10 (the ante is 1).
  auto k = run_jobs({&never, random.get()}, "kuhn_poker", 2, o);
  for (auto& x : k) CHECK(x.returns == std::vector<double>{-11, 0});
  // SPIRAL's shaping.
  o.invalid = InvalidActionPolicy::parse("spiral", 0);
  auto s = run_jobs({random.get(), &never}, "tic_tac_toe", 2, o);
  for (auto& x : s) CHECK(x.returns == std::vector<double>{0.5, -1.5});
  // One retry is enough for an agent that corrects itself; the turn records the retry.
  o.invalid = InvalidActionPolicy::parse("penalty(offender=-3,other=1)", 1);
  auto r = run_jobs({&second_try, random.get()}, "tic_tac_toe", 3, o);
  for (auto& x : r) {
    CHECK(x.outcome == "normal");
    REQUIRE(!x.turns.empty());
    CHECK(x.turns[0].retries == 1);
    CHECK(x.turns[0].raw_response.has_value());
    // One refused first answer per decision of player 0, at the ply its accepted answer has.
    std::vector<int> retried_plies, rejected_plies;
    for (const auto& t : x.turns)
      if (t.retries == 1) retried_plies.push_back(t.ply);
    for (const auto& rj : x.rejected) {
      CHECK(rj.attempt == 0);
      rejected_plies.push_back(rj.ply);
    }
    CHECK(rejected_plies == retried_plies);
  }
  REQUIRE_THROWS_AS(InvalidActionPolicy::parse("lenient", 1), Error);
}

TEST_CASE("results do not depend on the thread count or batch size", "[runner]") {
  register_builtin_agents();
  auto a = make_agent("mcts(sims=30)"), b = make_agent("random");
  RunnerOptions one, many;
  one.threads = 1;
  one.max_in_flight = 1;
  many.threads = 2;
  many.max_in_flight = 7;
  for (const char* g : {"connect_four", "leduc_poker"}) {
    auto x = run_jobs({a.get(), b.get()}, g, 20, one);
    auto y = run_jobs({a.get(), b.get()}, g, 20, many);
    for (int i = 0; i < 20; ++i) {
      CHECK(x[i].history == y[i].history);
      CHECK(x[i].returns == y[i].returns);
    }
  }
}

TEST_CASE("MCTS takes an immediate win and blocks an immediate loss", "[mcts]") {
  MctsAgent mcts({1000, 2.0, 1, 1000}, "mcts");
  auto g = load_game("tic_tac_toe");
  auto s = g->new_initial_state();
  for (Action a : {0, 3, 1, 4}) s->apply_action(a);  // X: (0,0),(0,1); O: (1,0),(1,1)
  CHECK(mcts.search(*s, 0, 1) == 2);                 // X wins at (0,2)
  auto u = g->new_initial_state();
  for (Action a : {3, 0, 4}) u->apply_action(a);      // X: (1,0),(1,1) threatens (1,2); O must block
  for (std::uint64_t seed = 1; seed <= 5; ++seed) CHECK(mcts.search(*u, 1, seed) == 5);
}

TEST_CASE("MCTS (1000 simulations) never loses to random at tic-tac-toe", "[mcts]") {
  register_builtin_agents();
  auto m = make_agent("mcts(sims=1000)"), r = make_agent("random");
  RunnerOptions o;
  o.threads = 2;
  auto first = run_jobs({m.get(), r.get()}, "tic_tac_toe", 30, o);
  auto second = run_jobs({r.get(), m.get()}, "tic_tac_toe", 30, o);
  for (auto& x : first) CHECK(x.returns[0] >= 0);
  for (auto& x : second) CHECK(x.returns[1] >= 0);
}

TEST_CASE("Bradley-Terry fit matches the closed form and a direct maximization", "[ratings]") {
  // Two agents, A wins 30 of 40: without a prior the MLE gap is ln(30/10). With the N(0, 9) prior on each
  // log-strength the optimum is symmetric (t0 = d/2, t1 = -d/2) and the gap d solves 30 - 40 sigma(d) - d/18 = 0.
  std::vector<Comparison> c;
  for (int i = 0; i < 40; ++i) c.push_back({0, 1, i < 30 ? 1.0 : 0.0});
  auto t = fit_bradley_terry(2, c);
  const double gap = t[0] - t[1];
  double lo = 0, hi = 5;
  for (int it = 0; it < 200; ++it) {
    const double d = (lo + hi) / 2;
    const double g = 30 - 40 / (1 + std::exp(-d)) - d / 18;
    (g > 0 ? lo : hi) = d;
  }
  CHECK(gap == Approx(lo).margin(1e-6));
  CHECK(gap < std::log(3.0));
  CHECK(t[0] + t[1] == Approx(0).margin(1e-12));
  // An undefeated agent gets a finite rating.
  std::vector<Comparison> sweep(20, Comparison{0, 1, 1.0});
  auto s = fit_bradley_terry(2, sweep);
  CHECK(std::isfinite(s[0]));
  CHECK(s[0] > 1.0);
}
