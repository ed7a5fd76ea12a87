#include <functional>

#include <nlohmann/json.hpp>

#include "games/api/registry.h"
#include "games/api/rng.h"
#include "games/goofspiel/goofspiel.h"
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

struct Views {
  std::string text, info, json;
  std::vector<float> tensor;
  bool operator==(const Views&) const = default;
};
Views views_of(const State& s, Player p) {
  return {s.observation_text(p), s.information_state(p), s.to_json(p).dump(), s.observation_tensor(p)};
}
}  // namespace

TEST_CASE("goofspiel payoffs equal OpenSpiel's for the same bids", "[goofspiel]") {
  // Ids: card value - 1. Sequential form of OpenSpiel's joint moves: [prize] bid0 bid1 per turn; the last turn plays
  // itself. 4 cards: prize 3, bids 2 v 4 (player 1 +3); prize 1, bids 1 v 1 (discarded); prize 4, bids 4 v 2
  // (player 0 +4); then prize 2 with the last cards 3 v 3 (discarded). Points 4 : 3.
  const std::initializer_list<Action> h = {2, 1, 3, 0, 0, 0, 3, 3, 1};
  CHECK(returns_of("goofspiel(num_cards=4)", h) == std::vector<double>{1, -1});
  CHECK(returns_of("goofspiel(num_cards=4,returns_type=point_difference)", h) == std::vector<double>{0.5, -0.5});
  CHECK(returns_of("goofspiel(num_cards=4,returns_type=total_points)", h) == std::vector<double>{4, 3});
  // Fixed orders, no chance: prizes 5 4 3 2 1 (descending) or 1 2 3 4 5 (ascending); bids 5v1, 1v5, 2v2, 3v4, then
  // 4v3 automatically. Descending: 5 + 1 against 4 + 2; ascending: 1 + 5 against 2 + 4.
  CHECK(returns_of("goofspiel(num_cards=5,points_order=descending,returns_type=point_difference)",
                   {4, 0, 0, 4, 1, 1, 2, 3}) == std::vector<double>{0, 0});
  CHECK(returns_of("goofspiel(num_cards=5,points_order=ascending,returns_type=total_points)",
                   {4, 0, 0, 4, 1, 1, 2, 3}) == std::vector<double>{6, 6});
  // 13 cards: player 1 takes the 13 with its 13, player 0 the 1 with its 13; every later turn ties.
  auto s = load_game("goofspiel")->new_initial_state();
  for (Action a : {12, 0, 12, 0, 12, 0}) s->apply_action(a);
  for (Action c = 1; c <= 10; ++c)
    for (int k = 0; k < 3; ++k) s->apply_action(c);
  REQUIRE(s->is_terminal());
  CHECK(s->returns() == std::vector<double>{-1, 1});
  CHECK(s->history().size() == 36);
}

TEST_CASE("goofspiel has 36 terminal histories with 3 cards in fixed order", "[goofspiel]") {
  // 3 x 3 first bids, 2 x 2 second bids, the last turn forced.
  int terminals = 0;
  std::function<void(const State&)> walk = [&](const State& s) {
    if (s.is_terminal()) {
      ++terminals;
      return;
    }
    for (Action a : s.legal_actions()) {
      auto c = s.clone();
      c->apply_action(a);
      walk(*c);
    }
  };
  walk(*load_game("goofspiel(num_cards=3,points_order=descending)")->new_initial_state());
  CHECK(terminals == 36);
}

TEST_CASE("goofspiel hides player 0's bid from player 1 until the turn resolves", "[goofspiel]") {
  // At every decision of player 1, replacing player 0's pending bid by any other card of its hand must leave all of
  // player 1's views unchanged; the conformance suite only swaps chance outcomes, so this is checked here.
  for (const std::string game : {"goofspiel", "goofspiel(num_cards=5,points_order=ascending)"}) {
    Rng rng(11);
    int checked = 0;
    for (int g = 0; g < 200; ++g) {
      auto s = load_game(game)->new_initial_state();
      while (!s->is_terminal()) {
        auto legal = s->legal_actions();
        if (s->current_player() == 0) {
          for (Action other : legal) {
            auto a = s->clone(), b = s->clone();
            a->apply_action(legal.front());
            b->apply_action(other);
            REQUIRE(a->current_player() == 1);
            CHECK(views_of(*a, 1) == views_of(*b, 1));
            CHECK(a->information_state(1) == b->information_state(1));
            CHECK(a->legal_actions() == b->legal_actions());
            ++checked;
          }
        }
        s->apply_action(s->is_chance_node() ? rng.sample(s->chance_outcomes()) : legal[rng.uniform_int(legal.size())]);
      }
    }
    CHECK(checked > 1000);
  }
  // Once player 1 has bid, both bids are public.
  auto a = play("goofspiel(num_cards=4)", {2, 1, 3});
  auto b = play("goofspiel(num_cards=4)", {2, 2, 3});
  CHECK(a->information_state(1) == "3:2/4");
  CHECK(b->information_state(1) == "3:3/4");
  auto p = play("goofspiel(num_cards=4)", {2, 1});
  CHECK(p->information_state(1) == "3:?/");
  CHECK(p->information_state(0) == "3:2/");
  CHECK(p->observation_text(1).find("player_0 has made a hidden bid") != std::string::npos);
  CHECK(p->observation_text(0).find("You bid <Bid 2>") != std::string::npos);
  CHECK(p->to_json(1).dump().find("your_bid") == std::string::npos);
}

TEST_CASE("goofspiel strings, automatic last turn and variant types", "[goofspiel]") {
  auto s = play("goofspiel(num_cards=4)", {2});
  CHECK(s->action_to_string(0, 2) == "<Bid 3>");
  CHECK(s->string_to_action(1, "<Bid 4>") == std::optional<Action>(3));
  CHECK(s->action_to_string(kChancePlayer, 0) == "Reveal prize card 1");
  auto t = play("goofspiel(num_cards=4)", {2, 1, 3, 0, 0, 0, 3, 3, 1});
  CHECK(t->observation_text(0).find("4. Turn 4 (played automatically): prize card 2; player_0 bids <Bid 3>, "
                                    "player_1 bids <Bid 3>; tie, the prize is discarded.") != std::string::npos);
  auto one = play("goofspiel(num_cards=1)", {0, 0});
  CHECK_FALSE(one->is_terminal());
  one->apply_action(0);
  CHECK(one->returns() == std::vector<double>{0, 0});

  auto wl = load_game("goofspiel");
  CHECK(wl->type().utility == Utility::kZeroSum);
  CHECK(wl->min_utility() == -1);
  auto tp = load_game("goofspiel(returns_type=total_points)");
  CHECK(tp->type().utility == Utility::kGeneralSum);
  CHECK(tp->max_utility() == 91);
  auto pd = load_game("goofspiel(returns_type=point_difference,points_order=descending)");
  CHECK(pd->type().utility == Utility::kZeroSum);
  CHECK(pd->type().chance_mode == ChanceMode::kDeterministic);
  CHECK(pd->min_utility() == -45.5);
  CHECK(pd->max_chance_outcomes() == 0);
}

TEST_CASE("goofspiel rejects bad parameters", "[goofspiel]") {
  REQUIRE_THROWS_AS(load_game("goofspiel(num_cards=0)"), Error);
  REQUIRE_THROWS_AS(load_game("goofspiel(num_cards=21)"), Error);
  REQUIRE_THROWS_AS(load_game("goofspiel(points_order=shuffled)"), Error);
  REQUIRE_THROWS_AS(load_game("goofspiel(returns_type=score)"), Error);
  REQUIRE_THROWS_AS(load_game("goofspiel(imp_info=true)"), Error);
  try {
    load_game("goofspiel(returns_type=score)");
    FAIL("accepted returns_type=score");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("returns_type") != std::string::npos);
    CHECK(std::string(e.what()).find("point_difference") != std::string::npos);
  }
}
