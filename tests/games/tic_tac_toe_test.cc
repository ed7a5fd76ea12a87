#include <set>

#include "games/api/registry.h"
#include "games/tic_tac_toe/tic_tac_toe.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
void walk(const State& s, std::set<std::string>& positions, long& games) {
  positions.insert(s.to_string() + std::to_string(s.current_player()));
  if (s.is_terminal()) {
    ++games;
    return;
  }
  for (Action a : s.legal_actions()) {
    auto c = s.clone();
    c->apply_action(a);
    walk(*c, positions, games);
  }
}
}  // namespace

TEST_CASE("tic_tac_toe has 5,478 reachable positions and 255,168 distinct games", "[tic_tac_toe]") {
  auto g = load_game("tic_tac_toe");
  std::set<std::string> positions;
  long games = 0;
  walk(*g->new_initial_state(), positions, games);
  // A board determines whose turn it is, so positions are counted by board.
  std::set<std::string> boards;
  for (const auto& p : positions) boards.insert(p.substr(0, 12));
  CHECK(boards.size() == 5478);
  CHECK(games == 255168);
}

TEST_CASE("tic_tac_toe payoffs, strings and views", "[tic_tac_toe]") {
  auto g = load_game("tic_tac_toe");
  auto s = g->new_initial_state();
  // X: (0,0) (1,1) (2,2) diagonal; O: (0,1) (0,2).
  for (Action a : {0, 1, 4, 2, 8}) s->apply_action(a);
  REQUIRE(s->is_terminal());
  CHECK(s->returns() == std::vector<double>{1, -1});
  CHECK(s->observation_text(1) == "XOO\n_X_\n__X\n");
  auto fresh = g->new_initial_state();
  CHECK(fresh->action_to_string(0, 5) == "<X(1,2)>");
  CHECK(fresh->action_to_string(1, 5) == "<O(1,2)>");
  CHECK(fresh->string_to_action(0, " <X(2,1)> ") == std::optional<Action>(7));
  CHECK_FALSE(fresh->string_to_action(0, "<x(2,1)>").has_value());
  // OpenSpiel's tensor layout: planes empty, O, X.
  fresh->apply_action(4);
  auto t = fresh->observation_tensor(0);
  CHECK(t[4] == 0.0f);
  CHECK(t[0] == 1.0f);
  CHECK(t[18 + 4] == 1.0f);
  // Draw.
  auto d = g->new_initial_state();
  for (Action a : {0, 1, 2, 4, 3, 5, 7, 6, 8}) d->apply_action(a);
  REQUIRE(d->is_terminal());
  CHECK(d->returns() == std::vector<double>{0, 0});
  REQUIRE_THROWS_AS(d->apply_action(0), Error);
}
