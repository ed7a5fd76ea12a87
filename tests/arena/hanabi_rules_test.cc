#include "agents/builtin.h"
#include "agents/hanabi_rules_agent.h"
#include "arena/runner.h"
#include "games/api/registry.h"
#include "games/api/rng.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
double mean_self_play_score(Agent& agent, const std::string& game_string, int n) {
  auto game = load_game(game_string);
  std::vector<MatchJob> jobs(n);
  for (int i = 0; i < n; ++i) {
    jobs[i].idx = i;
    jobs[i].game = game;
    jobs[i].seats.assign(game->num_players(), 0);
    jobs[i].seed = derive_seed(5, i);
  }
  RunnerOptions o;
  o.threads = 2;
  double total = 0;
  MatchRunner runner({&agent}, o);
  runner.run(jobs, nullptr, [&](MatchOutcome&& m) {
    CHECK(m.outcome == "normal");  // every move was legal
    total += m.returns[0];
  });
  return total / n;
}
}  // namespace

TEST_CASE("the rule-based Hanabi player is legal, deterministic and far better than random", "[hanabi_rules]") {
  register_builtin_agents();
  HanabiRulesAgent rules;
  auto random = make_agent("random");
  const double rules_std = mean_self_play_score(rules, "hanabi", 100);
  const double random_std = mean_self_play_score(*random, "hanabi", 100);
  INFO("standard: rules " << rules_std << ", random " << random_std);
  CHECK(rules_std > 12.0);
  CHECK(rules_std > random_std + 10.0);
  CHECK(mean_self_play_score(rules, "hanabi(preset=mini)", 200) >
        mean_self_play_score(*random, "hanabi(preset=mini)", 200));
  CHECK(mean_self_play_score(rules, "hanabi(players=4)", 50) > 10.0);
  auto s = load_game("hanabi")->new_initial_state();
  Rng rng(3);
  while (s->is_chance_node()) s->apply_action(rng.sample(s->chance_outcomes()));
  CHECK(rules.choose(*s, 0) == rules.choose(*s->clone(), 0));
  REQUIRE_THROWS_AS(rules.choose(*load_game("tic_tac_toe")->new_initial_state(), 0), Error);
}
