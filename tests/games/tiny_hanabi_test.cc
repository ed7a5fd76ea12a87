#include <cmath>

#include "games/api/registry.h"
#include "games/tiny_hanabi/tiny_hanabi.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
std::unique_ptr<State> play(const std::string& game, std::initializer_list<Action> moves) {
  auto s = load_game(game)->new_initial_state();
  for (Action a : moves) s->apply_action(a);
  return s;
}

double returns_of(const std::string& game, std::initializer_list<Action> moves) {
  auto s = play(game, moves);
  REQUIRE(s->is_terminal());
  REQUIRE(s->returns()[0] == s->returns()[1]);
  return s->returns()[0];
}
}  // namespace

TEST_CASE("tiny_hanabi's best joint deterministic policy is worth 10", "[tiny_hanabi]") {
  // Player 0 maps its card to an action (3^2 policies); player 1 maps (its card, player 0's action) to an action
  // (3^6 policies). Every policy pair is evaluated exactly through the engine over the four equally likely deals.
  auto game = load_game("tiny_hanabi");
  double best = -1;
  int optimal = 0;
  for (int p0 = 0; p0 < 9; ++p0) {
    for (int p1 = 0; p1 < 729; ++p1) {
      double value = 0;
      for (int c0 = 0; c0 < 2; ++c0)
        for (int c1 = 0; c1 < 2; ++c1) {
          auto s = game->new_initial_state();
          s->apply_action(c0);
          s->apply_action(c1);
          const int a0 = c0 == 0 ? p0 % 3 : p0 / 3;
          s->apply_action(a0);
          int code = p1;
          for (int k = 0; k < c1 * 3 + a0; ++k) code /= 3;
          s->apply_action(code % 3);
          value += 0.25 * s->returns()[0];
        }
      if (value > best + 1e-9) {
        best = value;
        optimal = 0;
      }
      if (std::abs(value - best) < 1e-9) ++optimal;
    }
  }
  CHECK(best == Approx(10.0));
  CHECK(optimal == 9);  // also counted over OpenSpiel's tiny_hanabi
}

TEST_CASE("tiny_hanabi payoffs equal OpenSpiel's on hand-built histories", "[tiny_hanabi]") {
  // History: player 0's card, player 1's card, player 0's action, player 1's action.
  CHECK(returns_of("tiny_hanabi", {0, 0, 0, 0}) == 10);
  CHECK(returns_of("tiny_hanabi", {0, 1, 1, 1}) == 8);
  CHECK(returns_of("tiny_hanabi", {0, 1, 0, 2}) == 10);
  CHECK(returns_of("tiny_hanabi", {1, 0, 2, 1}) == 0);
  CHECK(returns_of("tiny_hanabi", {1, 0, 2, 2}) == 0);
  CHECK(returns_of("tiny_hanabi", {1, 0, 0, 2}) == 10);
  CHECK(returns_of("tiny_hanabi", {1, 1, 2, 0}) == 10);
  // Three players, two cards, two actions: entry index = cards (c0 c1 c2) then actions (a0 a1 a2), base 2.
  std::string table;
  for (int i = 0; i < 64; ++i) table += (i ? ";" : "") + std::to_string(i);
  const std::string g3 = "tiny_hanabi(num_players=3,num_chance=2,num_actions=2,payoff=\"" + table + "\")";
  CHECK(returns_of(g3, {1, 0, 1, 0, 1, 1}) == 0b101011);
  CHECK(load_game(g3)->max_utility() == 63);
}

TEST_CASE("tiny_hanabi views show only one's own card", "[tiny_hanabi]") {
  auto s = play("tiny_hanabi", {1, 0, 2});
  CHECK(s->current_player() == 1);
  CHECK(s->information_state(1) == "0:2");
  CHECK(s->information_state(0) == "1:2");
  CHECK(s->observation_text(1).find("your card is 0") != std::string::npos);
  CHECK(s->observation_text(1).find("2. player_0 chooses <Action 2>.") != std::string::npos);
  CHECK(s->observation_tensor(1) == std::vector<float>{0, 1, 1, 0, 0, 0, 1, 0, 0, 0});
  CHECK(s->action_to_string(1, 1) == "<Action 1>");
  CHECK(s->string_to_action(1, "<Action 0>") == std::optional<Action>(0));
  auto other = play("tiny_hanabi", {0, 0, 2});
  CHECK(other->observation_text(1) == s->observation_text(1));
  CHECK(load_game("tiny_hanabi")->rules_text().find("     <Action 1>: 4 8 4") != std::string::npos);
}

TEST_CASE("tiny_hanabi rejects bad parameters", "[tiny_hanabi]") {
  REQUIRE_THROWS_AS(load_game("tiny_hanabi(num_players=1)"), Error);
  REQUIRE_THROWS_AS(load_game("tiny_hanabi(num_players=11)"), Error);
  REQUIRE_THROWS_AS(load_game("tiny_hanabi(num_chance=0)"), Error);
  REQUIRE_THROWS_AS(load_game("tiny_hanabi(num_actions=2)"), Error);  // default table has 36 entries, needs 16
  REQUIRE_THROWS_AS(load_game("tiny_hanabi(payoff=\"1;2;x\")"), Error);
  REQUIRE_THROWS_AS(load_game("tiny_hanabi(num_chance=1,num_actions=1,payoff=\"1;2\")"), Error);
  REQUIRE_THROWS_AS(load_game("tiny_hanabi(num_players=10,num_chance=10,num_actions=10)"), Error);
  try {
    load_game("tiny_hanabi(num_chance=1,num_actions=2,payoff=\"1;2;3\")");
    FAIL("accepted a 3-entry table for 4 entries");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("payoff") != std::string::npos);
    CHECK(std::string(e.what()).find("4 ';'-separated numbers") != std::string::npos);
  }
  auto g = load_game("tiny_hanabi(num_chance=1,num_actions=2,payoff=\"1;2;3;4\")");
  CHECK(g->max_utility() == 4);
  CHECK(g->min_utility() == 1);
}
