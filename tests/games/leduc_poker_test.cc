#include <functional>
#include <set>

#include "games/api/registry.h"
#include "games/leduc_poker/leduc_poker.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
std::vector<double> returns_of(std::initializer_list<Action> moves) {
  auto s = load_game("leduc_poker")->new_initial_state();
  for (Action a : moves) s->apply_action(a);
  REQUIRE(s->is_terminal());
  return s->returns();
}
}  // namespace

TEST_CASE("leduc_poker has 936 information sets (both players)", "[leduc_poker]") {
  std::set<std::string> infosets;
  std::function<void(const State&)> walk = [&](const State& s) {
    if (s.is_terminal()) return;
    if (!s.is_chance_node()) infosets.insert(std::to_string(s.current_player()) + s.information_state(s.current_player()));
    for (Action a : s.legal_actions()) {
      auto c = s.clone();
      c->apply_action(a);
      walk(*c);
    }
  };
  walk(*load_game("leduc_poker")->new_initial_state());
  CHECK(infosets.size() == 936);
}

TEST_CASE("leduc_poker payoffs equal OpenSpiel's on hand-built histories", "[leduc_poker]") {
  // Cards: id c has rank c/2 (J J Q Q K K). Actions: 0 fold, 1 call, 2 raise.
  CHECK(returns_of({0, 2, 2, 0}) == std::vector<double>{1, -1});                 // raise, fold
  CHECK(returns_of({0, 2, 1, 2, 0}) == std::vector<double>{-1, 1});              // check, raise, fold
  CHECK(returns_of({4, 1, 2, 2, 1, 3, 2, 1}) == std::vector<double>{9, -9});     // K beats J
  CHECK(returns_of({1, 5, 1, 1, 0, 2, 2, 1}) == std::vector<double>{9, -9});     // pair of Jacks beats K
  CHECK(returns_of({2, 3, 1, 2, 2, 1, 4, 1, 1}) == std::vector<double>{0, 0});   // Q vs Q: split
  CHECK(returns_of({5, 0, 1, 1, 2, 2, 2, 0}) == std::vector<double>{-5, 5});     // round-2 fold after re-raise
  CHECK(returns_of({5, 0, 1, 1, 2, 1, 2, 2, 1}) == std::vector<double>{9, -9});
}

TEST_CASE("leduc_poker legal actions follow OpenSpiel (fold only facing a bet, two raises per round)", "[leduc_poker]") {
  auto s = load_game("leduc_poker")->new_initial_state();
  s->apply_action(0);
  s->apply_action(3);
  CHECK(s->legal_actions() == std::vector<Action>{1, 2});
  s->apply_action(2);
  CHECK(s->legal_actions() == std::vector<Action>{0, 1, 2});
  s->apply_action(2);
  CHECK(s->legal_actions() == std::vector<Action>{0, 1});
  s->apply_action(1);
  REQUIRE(s->is_chance_node());
  CHECK(s->legal_actions() == std::vector<Action>{1, 2, 4, 5});
  for (auto [a, p] : s->chance_outcomes()) CHECK(p == Approx(0.25));
  s->apply_action(5);
  CHECK(s->current_player() == 0);
  CHECK(s->information_state(1) == "Qh|rrc|Kh|");
  CHECK(s->observation_text(1).find("Jack") == std::string::npos);
  CHECK(s->observation_text(1).find("5. Round 1, turn 3: player_0 chooses to <CALL>.") != std::string::npos);
  CHECK(s->observation_text(1).find("Public card: King of Hearts (K)") != std::string::npos);
}
