#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "games/api/registry.h"
#include "games/kuhn_poker/kuhn_poker.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
std::unique_ptr<State> play(std::initializer_list<Action> moves) {
  auto s = load_game("kuhn_poker")->new_initial_state();
  for (Action a : moves) s->apply_action(a);
  return s;
}

// Exact expected returns when every decision follows `policy(state) -> P(bet)`.
double expected_value(const State& s, const std::function<double(const State&)>& p_bet) {
  if (s.is_terminal()) return s.returns()[0];
  double v = 0;
  if (s.is_chance_node()) {
    for (auto [a, p] : s.chance_outcomes()) {
      auto c = s.clone();
      c->apply_action(a);
      v += p * expected_value(*c, p_bet);
    }
    return v;
  }
  const double pb = p_bet(s);
  for (Action a : {kuhn_poker::kPass, kuhn_poker::kBet}) {
    const double pa = a == kuhn_poker::kBet ? pb : 1 - pb;
    if (pa == 0) continue;
    auto c = s.clone();
    c->apply_action(a);
    v += pa * expected_value(*c, p_bet);
  }
  return v;
}
}  // namespace

TEST_CASE("kuhn_poker has 12 information sets and 30 terminal histories", "[kuhn_poker]") {
  std::set<std::string> infosets;
  int terminals = 0;
  std::function<void(const State&)> walk = [&](const State& s) {
    if (s.is_terminal()) {
      ++terminals;
      return;
    }
    if (!s.is_chance_node()) infosets.insert(std::to_string(s.current_player()) + s.information_state(s.current_player()));
    for (Action a : s.legal_actions()) {
      auto c = s.clone();
      c->apply_action(a);
      walk(*c);
    }
  };
  walk(*load_game("kuhn_poker")->new_initial_state());
  CHECK(infosets.size() == 12);
  CHECK(terminals == 30);
}

TEST_CASE("kuhn_poker payoffs equal OpenSpiel's on hand-built histories", "[kuhn_poker]") {
  // Deals: player 0 card, player 1 card (0=J, 1=Q, 2=K).
  CHECK(play({2, 0, 0, 0})->returns() == std::vector<double>{1, -1});     // pass pass, K beats J
  CHECK(play({0, 1, 1, 0})->returns() == std::vector<double>{1, -1});     // bet, fold
  CHECK(play({0, 1, 1, 1})->returns() == std::vector<double>{-2, 2});     // bet, call, Q beats J
  CHECK(play({2, 1, 0, 1, 0})->returns() == std::vector<double>{-1, 1});  // pass, bet, fold
  CHECK(play({2, 1, 0, 1, 1})->returns() == std::vector<double>{2, -2});  // pass, bet, call
  auto s = play({2, 0});
  CHECK_FALSE(s->is_terminal());
  CHECK(s->current_player() == 0);
  CHECK(s->legal_actions() == std::vector<Action>{0, 1});
}

TEST_CASE("kuhn_poker's equilibrium is worth -1/18 to player 0", "[kuhn_poker]") {
  // Kuhn's equilibrium family at alpha = 0: player 0 never bets first with J or K... (alpha = 0: J and Q check,
  // K checks and calls, Q calls a bet with 1/3); player 1 bets J after a check with 1/3, calls with Q 1/3, K always.
  auto policy = [](const State& s) -> double {
    const auto& k = static_cast<const kuhn_poker::KuhnPokerState&>(s);
    const Player p = s.current_player();
    const int card = k.card(p);
    const std::string info = s.information_state(p).substr(1);  // betting so far
    if (p == 0 && info.empty()) return 0.0;                           // open: always check at alpha = 0
    if (p == 0 && info == "pb") return card == 2 ? 1.0 : card == 1 ? 1.0 / 3 : 0.0;
    if (p == 1 && info == "p") return card == 2 ? 1.0 : card == 0 ? 1.0 / 3 : 0.0;
    if (p == 1 && info == "b") return card == 2 ? 1.0 : card == 1 ? 1.0 / 3 : 0.0;
    return 0.0;
  };
  auto root = load_game("kuhn_poker")->new_initial_state();
  CHECK(expected_value(*root, policy) == Approx(-1.0 / 18).margin(1e-12));
  // Always betting against always betting: showdowns of 2 chips; symmetric deals give value 0.
  CHECK(expected_value(*root, [](const State&) { return 1.0; }) == Approx(0.0).margin(1e-12));
}

TEST_CASE("kuhn_poker texts and views hide the other card", "[kuhn_poker]") {
  auto s = play({2, 0, 1});
  CHECK(s->observation_text(1) ==
        "1. Blind ante: both player_0 and player_1 place 1 chip into the pot.\n"
        "2. Deal: your card is Jack (J).\n"
        "3. Turn 1: player_0 chooses to <BET>.\n");
  CHECK(s->observation_text(0).find("King (K)") != std::string::npos);
  CHECK(s->observation_text(1).find("King") == std::string::npos);
  CHECK(s->information_state(1) == "Jb");
  CHECK(s->action_to_string(1, 0) == "<PASS>");
  // OpenSpiel's information-state tensor layout.
  CHECK(s->observation_tensor(1) == std::vector<float>{0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0});
  CHECK(s->string_to_action(1, "<BET>") == std::optional<Action>(1));
  CHECK_FALSE(s->string_to_action(1, "<bet>").has_value());
}
