#include <algorithm>

#include "games/api/registry.h"
#include "games/breakthrough/breakthrough.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
// Plays moves given by their strings and returns the state.
std::unique_ptr<State> play(const std::string& game, std::initializer_list<const char*> moves) {
  auto s = load_game(game)->new_initial_state();
  for (const char* m : moves) {
    auto a = s->string_to_action(s->current_player(), m);
    INFO("move " << m);
    REQUIRE(a.has_value());
    s->apply_action(*a);
  }
  return s;
}
}  // namespace

TEST_CASE("breakthrough initial legal moves match OpenSpiel's ids", "[breakthrough]") {
  auto s = load_game("breakthrough")->new_initial_state();
  // OpenSpiel: 22 moves for black at the start of 8x8, ids 98 (a7-a6) to 182 (h7-h6).
  CHECK(s->legal_actions() == std::vector<Action>{98,  100, 108, 110, 112, 120, 122, 124, 132, 134, 136,
                                                  144, 146, 148, 156, 158, 160, 168, 170, 172, 180, 182});
  CHECK(s->action_to_string(0, 98) == "<a7-a6>");
  CHECK(s->action_to_string(0, 100) == "<a7-b6>");
  CHECK(s->current_player() == 0);
  CHECK(load_game("breakthrough(preset=small)")->new_initial_state()->legal_actions().size() == 13);
  CHECK(load_game("breakthrough(rows=3,columns=4)")->new_initial_state()->legal_actions().size() == 10);
  CHECK(s->observation_text(0).rfind("8bbbbbbbb\n7bbbbbbbb\n6........\n5........\n4........\n3........\n"
                                     "2wwwwwwww\n1wwwwwwww\n abcdefgh\n", 0) == 0);
  auto t = s->observation_tensor(0);
  CHECK(t[0] == 1.0f);            // black plane, top-left
  CHECK(t[64 + 63] == 1.0f);      // white plane, bottom-right
  CHECK(t[128 + 2 * 8] == 1.0f);  // empty plane, row 6
}

TEST_CASE("breakthrough: white reaches the last row and wins", "[breakthrough]") {
  // OpenSpiel scores this history (ids 98 668 194 572 290 476 110 380 206 283 122 179) -1 / +1.
  auto s = play("breakthrough", {"<a7-a6>", "<h2-h3>", "<a6-a5>", "<h3-h4>", "<a5-a4>", "<h4-h5>", "<b7-b6>",
                                 "<h5-h6>", "<b6-b5>", "<h6xg7>", "<c7-c6>", "<g7xh8>"});
  REQUIRE(s->is_terminal());
  CHECK(s->returns() == std::vector<double>{-1, 1});
  CHECK(s->history() == std::vector<Action>{98, 668, 194, 572, 290, 476, 110, 380, 206, 283, 122, 179});
  CHECK(s->to_string() ==
        "8bbbbbbbw\n7...bbb.b\n6..b.....\n5.b......\n4b.......\n3........\n2wwwwwww.\n1wwwwwwww\n abcdefgh\n");
  auto* bs = dynamic_cast<breakthrough::BreakthroughState*>(s.get());
  CHECK(bs->pieces(0) == 14);
  CHECK(bs->pieces(1) == 16);
}

TEST_CASE("breakthrough: capturing every enemy piece wins", "[breakthrough]") {
  // 4x2 board, one row each; OpenSpiel scores this history (ids 12 82 26 68 5 91 37) +1 / -1. Black's last capture
  // lands on row 2, not the winning row 1.
  auto s = play("breakthrough(rows=4,columns=2)",
                {"<b4-a3>", "<a1-b2>", "<a3-a2>", "<b2-b3>", "<a4xb3>", "<b1xa2>", "<b3xa2>"});
  REQUIRE(s->is_terminal());
  CHECK(s->returns() == std::vector<double>{1, -1});
  CHECK(s->history() == std::vector<Action>{12, 82, 26, 68, 5, 91, 37});
  CHECK(s->to_string() == "4..\n3..\n2b.\n1..\n ab\n");
  CHECK(dynamic_cast<breakthrough::BreakthroughState*>(s.get())->pieces(1) == 0);
}

TEST_CASE("breakthrough move rules: no straight captures, no moving onto own pieces", "[breakthrough]") {
  // Black's a5 faces white's a4 head-on: straight is blocked, the diagonal b4 is free.
  auto s = play("breakthrough(rows=6,columns=2)", {"<a5-a4>", "<a2-a3>"});
  auto legal = s->legal_actions();
  std::vector<std::string> names;
  for (Action a : legal) names.push_back(s->action_to_string(0, a));
  CHECK(std::find(names.begin(), names.end(), "<a4-a3>") == names.end());
  CHECK(std::find(names.begin(), names.end(), "<a4xa3>") == names.end());
  CHECK(std::find(names.begin(), names.end(), "<a4-b3>") != names.end());
  CHECK(std::find(names.begin(), names.end(), "<b5-a4>") == names.end());  // own piece on a4
  CHECK(std::find(names.begin(), names.end(), "<b5-b4>") != names.end());
  CHECK(std::find(names.begin(), names.end(), "<b6-a5>") != names.end());
  REQUIRE_THROWS_AS(s->apply_action(s->legal_actions().back() + 2), Error);
}

TEST_CASE("breakthrough rejects bad parameters", "[breakthrough]") {
  REQUIRE_THROWS_AS(load_game("breakthrough(rows=1)"), Error);
  REQUIRE_THROWS_AS(load_game("breakthrough(columns=27)"), Error);
  REQUIRE_THROWS_AS(load_game("breakthrough(rows=eight)"), Error);
  REQUIRE_THROWS_AS(load_game("breakthrough(preset=huge)"), Error);
  auto g = load_game("breakthrough(rows=6,columns=5)");
  CHECK(g->to_string() == "breakthrough(rows=6,columns=5)");
  CHECK(g->num_distinct_actions() == 6 * 5 * 12);
  CHECK(g->max_game_length() == 2 * 9 * 5 + 1);
  CHECK(load_game("breakthrough")->max_game_length() == 209);
}
