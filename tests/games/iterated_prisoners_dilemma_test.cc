#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "games/api/registry.h"
#include "games/iterated_prisoners_dilemma/iterated_prisoners_dilemma.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
// Plays the given rounds (player 0's choice, player 1's choice; 0 = cooperate, 1 = defect), continuing after each
// round but the last and stopping after the last. Collects every step's rewards.
struct Played {
  std::unique_ptr<State> state;
  std::vector<std::vector<double>> rewards;
};
Played play(const std::string& game, const std::vector<std::pair<int, int>>& rounds) {
  Played out{load_game(game)->new_initial_state(), {}};
  for (size_t i = 0; i < rounds.size(); ++i) {
    out.state->apply_action(rounds[i].first);
    out.rewards.push_back(out.state->rewards());
    out.state->apply_action(rounds[i].second);
    out.rewards.push_back(out.state->rewards());
    if (out.state->is_terminal()) break;
    out.state->apply_action(i + 1 < rounds.size() ? 0 : 1);
    out.rewards.push_back(out.state->rewards());
  }
  return out;
}
std::vector<double> sum(const std::vector<std::vector<double>>& rs) {
  std::vector<double> s{0, 0};
  for (const auto& r : rs) {
    s[0] += r[0];
    s[1] += r[1];
  }
  return s;
}
}  // namespace

TEST_CASE("iterated_prisoners_dilemma returns equal OpenSpiel's for the same joint actions", "[iterated_prisoners_dilemma]") {
  // Returns and per-round rewards as OpenSpiel's python_iterated_prisoners_dilemma gives them (payoffs CC 5, CD 0,
  // DC 10, DD 1).
  auto a = play("iterated_prisoners_dilemma", {{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  REQUIRE(a.state->is_terminal());
  CHECK(a.state->returns() == std::vector<double>{16, 16});
  CHECK(sum(a.rewards) == a.state->returns());
  // Each round pays on player 1's move; player 0's move and chance pay nothing.
  CHECK(a.rewards[0] == std::vector<double>{0, 0});
  CHECK(a.rewards[1] == std::vector<double>{5, 5});
  CHECK(a.rewards[2] == std::vector<double>{0, 0});
  CHECK(a.rewards[4] == std::vector<double>{0, 10});
  CHECK(a.rewards[7] == std::vector<double>{10, 0});
  CHECK(a.rewards[10] == std::vector<double>{1, 1});

  auto b = play("iterated_prisoners_dilemma", {{1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}});
  CHECK(b.state->returns() == std::vector<double>{13, 13});
  auto c = play("iterated_prisoners_dilemma", {{0, 1}, {0, 1}, {1, 1}, {0, 0}, {1, 0}});
  CHECK(c.state->returns() == std::vector<double>{16, 26});
  CHECK(sum(c.rewards) == c.state->returns());
  // The round limit ends the game without a chance node: three rounds of mutual cooperation pay 15 each.
  auto d = play("iterated_prisoners_dilemma(max_game_length=3)", {{0, 0}, {0, 0}, {0, 0}});
  REQUIRE(d.state->is_terminal());
  CHECK(d.state->returns() == std::vector<double>{15, 15});
  CHECK(d.state->history().size() == 8);
  // Axelrod's payoffs through the preset.
  auto e = play("iterated_prisoners_dilemma(preset=classic)", {{0, 0}, {1, 0}, {1, 1}});
  CHECK(e.state->returns() == std::vector<double>{3 + 5 + 1, 3 + 0 + 1});
}

TEST_CASE("iterated_prisoners_dilemma chance, strings and the hidden first move", "[iterated_prisoners_dilemma]") {
  auto g = load_game("iterated_prisoners_dilemma");
  auto s = g->new_initial_state();
  CHECK(s->current_player() == 0);
  CHECK(s->action_to_string(0, 0) == "<COOPERATE>");
  CHECK(s->action_to_string(1, 1) == "<DEFECT>");
  CHECK(s->string_to_action(1, " <DEFECT> ") == std::optional<Action>(1));
  s->apply_action(0);
  s->apply_action(1);
  REQUIRE(s->is_chance_node());
  auto outcomes = s->chance_outcomes();
  REQUIRE(outcomes.size() == 2);
  CHECK(outcomes[0].second == Approx(0.875));
  CHECK(outcomes[1].second == Approx(0.125));
  s->apply_action(0);
  CHECK(s->observation_text(1).find("1. Round 1: player_0 chose <COOPERATE>, player_1 chose <DEFECT>; player_0 gets "
                                    "0, player_1 gets 10.") != std::string::npos);

  // Player 1's views must not depend on player 0's hidden choice of the current round.
  auto coop = s->clone(), defect = s->clone();
  coop->apply_action(0);
  defect->apply_action(1);
  CHECK(coop->observation_text(1) == defect->observation_text(1));
  CHECK(coop->information_state(1) == defect->information_state(1));
  CHECK(coop->observation_tensor(1) == defect->observation_tensor(1));
  CHECK(coop->to_json(1).dump() == defect->to_json(1).dump());
  CHECK(coop->information_state(0) != defect->information_state(0));
  CHECK(coop->information_state(0) == "CD|C");

  auto never = load_game("iterated_prisoners_dilemma(termination_probability=0)")->new_initial_state();
  never->apply_action(1);
  never->apply_action(1);
  CHECK(never->legal_actions() == std::vector<Action>{0});
  auto once = load_game("iterated_prisoners_dilemma(termination_probability=1)")->new_initial_state();
  once->apply_action(1);
  once->apply_action(1);
  CHECK(once->legal_actions() == std::vector<Action>{1});
  once->apply_action(1);
  CHECK(once->is_terminal());
}

TEST_CASE("iterated_prisoners_dilemma rejects bad parameters", "[iterated_prisoners_dilemma]") {
  REQUIRE_THROWS_AS(load_game("iterated_prisoners_dilemma(termination_probability=1.5)"), Error);
  REQUIRE_THROWS_AS(load_game("iterated_prisoners_dilemma(termination_probability=-0.1)"), Error);
  REQUIRE_THROWS_AS(load_game("iterated_prisoners_dilemma(max_game_length=0)"), Error);
  REQUIRE_THROWS_AS(load_game("iterated_prisoners_dilemma(reward=high)"), Error);
  REQUIRE_THROWS_AS(load_game("iterated_prisoners_dilemma(rounds=3)"), Error);
  auto g = load_game("iterated_prisoners_dilemma(max_game_length=4)");
  CHECK(g->max_game_length() == 11);
  CHECK(g->min_utility() == 0);
  CHECK(g->max_utility() == 40);
}
