#include <algorithm>

#include "games/api/registry.h"
#include "games/lewis_signaling/lewis_signaling.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
std::vector<double> returns_of(const std::string& game, std::initializer_list<Action> moves) {
  auto s = load_game(game)->new_initial_state();
  for (Action a : moves) s->apply_action(a);
  REQUIRE(s->is_terminal());
  return s->returns();
}

// Best expected payoff over all deterministic joint policies (sender: state -> message, receiver: message ->
// action), each played through the game engine.
double best_joint_value(const std::string& game_string) {
  auto g = load_game(game_string);
  const auto* lg = dynamic_cast<const lewis_signaling::LewisSignalingGame*>(g.get());
  const int ns = lg->num_states(), nm = lg->num_messages();
  long senders = 1, receivers = 1;
  for (int i = 0; i < ns; ++i) senders *= nm;
  for (int i = 0; i < nm; ++i) receivers *= ns;
  double best = -1e300;
  for (long sp = 0; sp < senders; ++sp)
    for (long rp = 0; rp < receivers; ++rp) {
      double value = 0;
      auto root = g->new_initial_state();
      for (auto [state, prob] : root->chance_outcomes()) {
        auto s = root->clone();
        s->apply_action(state);
        long code = sp;
        for (Action k = 0; k < state; ++k) code /= nm;
        const Action message = code % nm;
        s->apply_action(message);
        code = rp;
        for (Action k = 0; k < message; ++k) code /= ns;
        s->apply_action(code % ns);
        value += prob * s->returns()[0];
      }
      best = std::max(best, value);
    }
  return best;
}
}  // namespace

TEST_CASE("lewis_signaling best joint deterministic policy is worth min(1, messages/states)", "[lewis_signaling]") {
  CHECK(best_joint_value("lewis_signaling") == Approx(1.0));
  CHECK(best_joint_value("lewis_signaling(num_states=2,num_messages=4)") == Approx(1.0));
  CHECK(best_joint_value("lewis_signaling(num_states=3,num_messages=2)") == Approx(2.0 / 3.0));
  CHECK(best_joint_value("lewis_signaling(preset=bottleneck)") == Approx(0.5));
  CHECK(best_joint_value("lewis_signaling(num_states=4,num_messages=3)") == Approx(0.75));
  CHECK(best_joint_value("lewis_signaling(num_states=5,num_messages=1)") == Approx(0.2));
}

TEST_CASE("lewis_signaling payoffs equal OpenSpiel's on hand-built histories", "[lewis_signaling]") {
  // History: state, message, action. Both players get payoffs[num_states * state + action].
  CHECK(returns_of("lewis_signaling", {0, 0, 0}) == std::vector<double>{1, 1});
  CHECK(returns_of("lewis_signaling", {0, 2, 1}) == std::vector<double>{0, 0});
  CHECK(returns_of("lewis_signaling", {2, 1, 2}) == std::vector<double>{1, 1});
  const std::string custom = "lewis_signaling(num_states=2,num_messages=2,payoffs=\"1.5, -1, 0, 2\")";
  CHECK(returns_of(custom, {0, 1, 0}) == std::vector<double>{1.5, 1.5});
  CHECK(returns_of(custom, {0, 1, 1}) == std::vector<double>{-1, -1});
  CHECK(returns_of(custom, {1, 0, 0}) == std::vector<double>{0, 0});
  CHECK(returns_of(custom, {1, 0, 1}) == std::vector<double>{2, 2});
  // OpenSpiel's default payoff string is the same game as the default.
  CHECK(returns_of("lewis_signaling(payoffs=\"1, 0, 0, 0, 1, 0, 0, 0, 1\")", {1, 0, 1}) == std::vector<double>{1, 1});
}

TEST_CASE("lewis_signaling views: the receiver never sees the state", "[lewis_signaling]") {
  auto g = load_game("lewis_signaling(num_states=3,num_messages=4)");
  CHECK(g->num_distinct_actions() == 4);
  auto s = g->new_initial_state();
  REQUIRE(s->is_chance_node());
  CHECK(s->chance_outcome_hidden_from(1));
  CHECK_FALSE(s->chance_outcome_hidden_from(0));
  s->apply_action(2);
  CHECK(s->legal_actions() == std::vector<Action>{0, 1, 2, 3});
  CHECK(s->action_to_string(0, 3) == "<MESSAGE 3>");
  CHECK(s->observation_text(0).find("The state is 2.") != std::string::npos);
  CHECK(s->observation_text(1).find('2') == std::string::npos);
  s->apply_action(3);
  CHECK(s->legal_actions() == std::vector<Action>{0, 1, 2});
  CHECK(s->action_to_string(1, 1) == "<ACTION 1>");
  CHECK(s->information_state(0) == "s2|m3");
  CHECK(s->information_state(1) == "m3");
  CHECK(s->observation_text(1).find("The sender sent <MESSAGE 3>.") != std::string::npos);
}

TEST_CASE("lewis_signaling rejects bad parameters", "[lewis_signaling]") {
  REQUIRE_THROWS_AS(load_game("lewis_signaling(num_states=0)"), Error);
  REQUIRE_THROWS_AS(load_game("lewis_signaling(num_messages=65)"), Error);
  REQUIRE_THROWS_AS(load_game("lewis_signaling(payoffs=\"1, 0, 0, 1\")"), Error);
  REQUIRE_THROWS_AS(load_game("lewis_signaling(num_states=2,payoffs=\"1, x, 0, 1\")"), Error);
  REQUIRE_THROWS_AS(load_game("lewis_signaling(num_states=2,payoffs=\"1,,0,1\")"), Error);
  try {
    load_game("lewis_signaling(payoffs=\"1, 0\")");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("payoffs") != std::string::npos);
    CHECK(std::string(e.what()).find("9") != std::string::npos);
  }
}
