#include "games/api/registry.h"
#include "games/pig/pig.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
std::unique_ptr<State> play(const std::string& game, std::initializer_list<Action> moves) {
  auto s = load_game(game)->new_initial_state();
  for (Action a : moves) s->apply_action(a);
  return s;
}
const pig::PigState& as_pig(const std::unique_ptr<State>& s) { return static_cast<const pig::PigState&>(*s); }
}  // namespace

// Expected values below were read off OpenSpiel's `pig` for the same histories. Actions: 0 roll, 1 stop; chance
// outcome x is the face x + 1 (Piglet: 0 busts, 1 adds one point).
TEST_CASE("pig follows OpenSpiel on hand-built histories", "[pig]") {
  SECTION("rolls add up and stopping banks them") {
    auto s = play("pig", {0, 5, 0, 4, 1});  // 6, 5, stop
    CHECK(as_pig(s).score(0) == 11);
    CHECK(as_pig(s).turn_total() == 0);
    CHECK(s->current_player() == 1);
    CHECK(s->legal_actions() == std::vector<Action>{0, 1});
  }
  SECTION("rolling a 1 loses the turn total and the turn") {
    auto s = play("pig", {0, 5, 0, 0});  // 6, then 1
    CHECK(as_pig(s).score(0) == 0);
    CHECK(as_pig(s).turn_total() == 0);
    CHECK(s->current_player() == 1);
    auto t = play("pig", {0, 5, 0, 4, 1, 0, 0});  // player 1 busts at once; player 0 keeps 11
    CHECK(as_pig(t).score(0) == 11);
    CHECK(t->current_player() == 0);
  }
  SECTION("reaching the target forces a stop, and stopping wins") {
    auto s = play("pig(winscore=10)", {0, 5, 0, 4});
    CHECK(as_pig(s).turn_total() == 11);
    CHECK(s->legal_actions() == std::vector<Action>{1});
    s->apply_action(1);
    REQUIRE(s->is_terminal());
    CHECK(s->returns() == std::vector<double>{1, -1});
  }
  SECTION("with more players the losers share -1") {
    auto s = play("pig(players=3,winscore=5)", {1, 0, 5, 1});
    REQUIRE(s->is_terminal());
    CHECK(s->returns() == std::vector<double>{-0.5, 1, -0.5});
    auto t = play("pig(players=3,winscore=5)", {1, 0, 0, 0, 5, 1});
    REQUIRE(t->is_terminal());
    CHECK(t->returns() == std::vector<double>{-0.5, -0.5, 1});
  }
  SECTION("the horizon counts player decisions and ends in a draw") {
    auto s = play("pig(horizon=3)", {1, 1, 1});
    REQUIRE(s->is_terminal());
    CHECK(s->returns() == std::vector<double>{0, 0});
    auto t = play("pig(horizon=3)", {0, 3, 0, 3});
    CHECK(t->current_player() == 0);
    CHECK(as_pig(t).turn_total() == 8);
    t->apply_action(0);  // the third decision: the game ends before the die lands
    REQUIRE(t->is_terminal());
    CHECK(t->returns() == std::vector<double>{0, 0});
    CHECK(t->move_number() == 5);
    CHECK(t->game().max_game_length() == 5);
  }
  SECTION("piglet") {
    auto s = play("pig(piglet=true,winscore=2)", {0});
    auto outcomes = s->chance_outcomes();
    REQUIRE(outcomes.size() == 2);
    CHECK(outcomes[0].first == 0);
    CHECK(outcomes[0].second == Approx(1.0 / 6));
    CHECK(outcomes[1].first == 1);
    CHECK(outcomes[1].second == Approx(5.0 / 6));
    s->apply_action(1);
    s->apply_action(0);
    s->apply_action(1);
    CHECK(as_pig(s).turn_total() == 2);
    CHECK(s->legal_actions() == std::vector<Action>{1});
    s->apply_action(1);
    REQUIRE(s->is_terminal());
    CHECK(s->returns() == std::vector<double>{1, -1});
    auto t = play("pig(piglet=true,winscore=2)", {0, 1, 0, 0});
    CHECK(t->current_player() == 1);
    CHECK(as_pig(t).turn_total() == 0);
  }
  SECTION("the die has diceoutcomes faces") {
    auto s = play("pig(diceoutcomes=3)", {0});
    CHECK(s->legal_actions() == std::vector<Action>{0, 1, 2});
    for (auto [a, p] : s->chance_outcomes()) CHECK(p == Approx(1.0 / 3));
  }
}

TEST_CASE("pig sizes, strings and tensor match OpenSpiel's layout", "[pig]") {
  auto g = load_game("pig");
  CHECK(g->num_players() == 2);
  CHECK(g->num_distinct_actions() == 2);
  CHECK(g->max_chance_outcomes() == 6);
  CHECK(g->max_game_length() == 1999);
  CHECK(g->observation_tensor_shape() == std::vector<int>{3, 101});
  CHECK(load_game("pig(players=4,winscore=20)")->observation_tensor_shape() == std::vector<int>{5, 21});
  auto s = g->new_initial_state();
  CHECK(s->action_to_string(0, pig::kRoll) == "<ROLL>");
  CHECK(s->action_to_string(0, pig::kStop) == "<STOP>");
  CHECK(s->string_to_action(0, " <STOP> ") == pig::kStop);
  // OpenSpiel's tensor after roll 3, stop with winscore 10: turn total 0, player 0 at 3, player 1 at 0.
  auto t = play("pig(winscore=10)", {0, 2, 1});
  auto tensor = t->observation_tensor(0);
  REQUIRE(tensor.size() == 33);
  std::vector<int> hot;
  for (size_t i = 0; i < tensor.size(); ++i)
    if (tensor[i] != 0) hot.push_back(static_cast<int>(i));
  CHECK(hot == std::vector<int>{0, 14, 22});
  CHECK(t->observation_text(1).find("player_0 stopped after 1 roll(s), banking 3") != std::string::npos);
}

TEST_CASE("pig rejects bad parameters", "[pig]") {
  CHECK_THROWS_AS(load_game("pig(players=1)"), Error);
  CHECK_THROWS_AS(load_game("pig(players=11)"), Error);
  CHECK_THROWS_AS(load_game("pig(horizon=0)"), Error);
  CHECK_THROWS_AS(load_game("pig(winscore=0)"), Error);
  CHECK_THROWS_AS(load_game("pig(diceoutcomes=1)"), Error);
  CHECK_THROWS_AS(load_game("pig(piglet=maybe)"), Error);
  CHECK_THROWS_AS(load_game("pig(target=50)"), Error);
  CHECK(load_game("pig(players=10)")->num_players() == 10);
}
