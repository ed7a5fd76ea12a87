#include <functional>
#include <set>

#include "games/api/registry.h"
#include "games/liars_dice/liars_dice.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
std::unique_ptr<State> play(const std::string& game, std::initializer_list<Action> moves) {
  auto s = load_game(game)->new_initial_state();
  for (Action a : moves) s->apply_action(a);
  return s;
}

std::vector<double> returns_of(const std::string& game, std::initializer_list<Action> moves) {
  auto s = play(game, moves);
  REQUIRE(s->is_terminal());
  return s->returns();
}

// Information sets (player, information_state) over every decision node of the full game tree.
size_t count_infosets(const std::string& game) {
  std::set<std::string> infosets;
  std::function<void(const State&)> walk = [&](const State& s) {
    if (s.is_terminal()) return;
    if (!s.is_chance_node())
      infosets.insert(std::to_string(s.current_player()) + s.information_state(s.current_player()));
    for (Action a : s.legal_actions()) {
      auto c = s.clone();
      c->apply_action(a);
      walk(*c);
    }
  };
  walk(*load_game(game)->new_initial_state());
  return infosets.size();
}
}  // namespace

TEST_CASE("liars_dice information sets match OpenSpiel's count", "[liars_dice]") {
  // Counted over OpenSpiel's liars_dice tree: 6 own faces times the 2^12 increasing bid sequences.
  CHECK(count_infosets("liars_dice") == 24576);
  // Two 2-sided dice each (own multisets {11, 12, 22}) under reset-quantity: 3 * 2 * 2^7 = 768 in OpenSpiel too.
  CHECK(count_infosets("liars_dice(numdice=2,dice_sides=2,bidding_rule=reset-quantity)") == 768);
}

TEST_CASE("liars_dice payoffs equal OpenSpiel's on hand-built histories", "[liars_dice]") {
  // Default game: chance outcome o is face o + 1; bid (q, f) = (q - 1) * 6 + f - 1; LIAR = 12.
  CHECK(returns_of("liars_dice", {2, 5, 8, 12}) == std::vector<double>{1, -1});      // 3 and wild 6: two 3s hold
  CHECK(returns_of("liars_dice", {0, 1, 4, 5, 12}) == std::vector<double>{1, -1});   // no 6 rolled: 1x6 is a lie
  CHECK(returns_of("liars_dice", {5, 5, 6, 12}) == std::vector<double>{1, -1});      // two wild 6s make two 1s
  CHECK(returns_of("liars_dice", {5, 4, 10, 11, 12}) == std::vector<double>{1, -1}); // one 6 only: 2x6 fails
  CHECK(returns_of("liars_dice", {1, 3, 1, 12}) == std::vector<double>{1, -1});      // 1x2 holds
  CHECK(returns_of("liars_dice", {1, 3, 7, 12}) == std::vector<double>{-1, 1});      // 2x2 fails: caller wins
  // reset-quantity, 2 dice each: bid (q, f) = (f - 1) * 4 + q - 1; LIAR = 24. Dice 5 6 | 1 5: three count for 5.
  const std::string rq = "liars_dice(numdice=2,bidding_rule=reset-quantity)";
  CHECK(returns_of(rq, {4, 5, 0, 4, 18, 24}) == std::vector<double>{1, -1});
  CHECK(returns_of(rq, {4, 5, 0, 4, 19, 24}) == std::vector<double>{-1, 1});
}

TEST_CASE("liars_dice legal moves, strings and views", "[liars_dice]") {
  auto s = play("liars_dice", {2, 5});
  CHECK(s->current_player() == 0);
  // LIAR is not allowed before the first bid.
  CHECK(s->legal_actions() == std::vector<Action>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  CHECK(s->action_to_string(0, 8) == "<Bid: 2 dice showing 3>");
  CHECK(s->action_to_string(0, 4) == "<Bid: 1 die showing 5>");
  CHECK(s->action_to_string(0, 12) == "<Liar>");
  CHECK(s->string_to_action(0, "<Bid: 2 dice showing 3>") == std::optional<Action>(8));
  s->apply_action(8);
  CHECK(s->legal_actions() == std::vector<Action>{9, 10, 11, 12});
  s->apply_action(11);  // the highest bid: only LIAR remains
  CHECK(s->legal_actions() == std::vector<Action>{12});
  CHECK(s->information_state(0) == "3 2-3 2-6");
  CHECK(s->information_state(1) == "6 2-3 2-6");
  CHECK(s->observation_text(1).find("your die is 6") != std::string::npos);
  CHECK(s->observation_text(1).find("die is 3") == std::string::npos);
  CHECK(s->observation_text(0).find("3. Turn 2: player_1 bids <Bid: 2 dice showing 6>.") != std::string::npos);
  s->apply_action(12);
  CHECK(s->returns() == std::vector<double>{1, -1});  // one 6 is one die short of two 6s: the caller, player 0, wins
  CHECK(s->observation_text(1).find("player_0's die is 3, player_1's die is 6. 1 die counts for face 6") !=
        std::string::npos);

  // Own dice are sorted: the information state depends on the multiset only, as in OpenSpiel.
  auto a = play("liars_dice(numdice=2)", {4, 1, 0, 0});
  auto b = play("liars_dice(numdice=2)", {1, 4, 5, 5});
  CHECK(a->information_state(0) == "2,5");
  CHECK(a->information_state(0) == b->information_state(0));
  CHECK(a->observation_tensor(0) == b->observation_tensor(0));
  CHECK(a->legal_actions().size() == 24);
}

TEST_CASE("liars_dice rejects bad parameters", "[liars_dice]") {
  REQUIRE_THROWS_AS(load_game("liars_dice(numdice=0)"), Error);
  REQUIRE_THROWS_AS(load_game("liars_dice(numdice=6)"), Error);
  REQUIRE_THROWS_AS(load_game("liars_dice(dice_sides=1)"), Error);
  REQUIRE_THROWS_AS(load_game("liars_dice(dice_sides=six)"), Error);
  REQUIRE_THROWS_AS(load_game("liars_dice(bidding_rule=reset-both)"), Error);
  REQUIRE_THROWS_AS(load_game("liars_dice(players=3)"), Error);
  try {
    load_game("liars_dice(numdice=9)");
    FAIL("accepted numdice=9");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("numdice") != std::string::npos);
  }
  auto g = load_game("liars_dice(preset=two_dice)");
  CHECK(g->num_distinct_actions() == 25);
  CHECK(g->to_string() == "liars_dice(numdice=2)");
}
