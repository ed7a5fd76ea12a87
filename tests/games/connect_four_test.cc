#include "games/api/registry.h"
#include "games/connect_four/connect_four.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
std::unique_ptr<State> play(std::initializer_list<Action> moves) {
  auto s = load_game("connect_four")->new_initial_state();
  for (Action a : moves) s->apply_action(a);
  return s;
}
}  // namespace

TEST_CASE("connect_four wins in every direction, as OpenSpiel scores them", "[connect_four]") {
  auto vertical = play({0, 1, 0, 1, 0, 1, 0});
  REQUIRE(vertical->is_terminal());
  CHECK(vertical->returns() == std::vector<double>{1, -1});
  auto row = play({0, 6, 1, 6, 2, 5, 3});
  REQUIRE(row->is_terminal());
  CHECK(row->returns() == std::vector<double>{1, -1});
  // o completes the rising diagonal (row,col) (0,1) (1,2) (2,3) (3,4); OpenSpiel scores this history -1 / +1.
  auto diag = play({0, 1, 2, 2, 3, 3, 4, 3, 4, 4, 6, 4});
  REQUIRE(diag->is_terminal());
  CHECK(diag->returns() == std::vector<double>{-1, 1});
}

TEST_CASE("connect_four text, strings, full columns and draws", "[connect_four]") {
  auto s = play({3, 3});
  CHECK(s->observation_text(0) == "_______\n_______\n_______\n_______\n___o___\n___x___\n");
  CHECK(s->action_to_string(0, 3) == "<X(3)>");
  CHECK(s->action_to_string(1, 3) == "<O(3)>");
  auto full = play({0, 0, 0, 0, 0, 0});
  CHECK(full->legal_actions() == std::vector<Action>{1, 2, 3, 4, 5, 6});
  REQUIRE_THROWS_AS(full->apply_action(0), Error);
  // A drawn full board (a random game that OpenSpiel also scores 0 / 0).
  auto d = load_game("connect_four")->new_initial_state();
  for (Action a : {0, 1, 5, 5, 0, 2, 3, 2, 0, 3, 4, 5, 3, 6, 4, 3, 5, 6, 2, 2, 2,
                   2, 3, 0, 4, 1, 6, 1, 0, 4, 5, 0, 1, 1, 1, 4, 4, 3, 5, 6, 6, 6})
    d->apply_action(a);
  REQUIRE(d->is_terminal());
  CHECK(d->returns() == std::vector<double>{0, 0});
  CHECK(d->to_string() == "oxooxxo\nxoxxoxx\noxoooxo\nxoxxxox\nxoooxoo\nxooxxxo\n");
}
