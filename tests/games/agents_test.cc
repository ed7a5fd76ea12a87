#include <sstream>

#include "agents/builtin.h"
#include "agents/human_agent.h"
#include "arena/match.h"
#include "games/api/registry.h"
#include "tests/catch_compat.h"

using namespace arena;

TEST_CASE("agent specs: known agents build, unknown ones give a clear error", "[agents]") {
  register_builtin_agents();
  CHECK(make_agent("random")->spec() == "random");
  try {
    make_agent("alphago(depth=3)");
    FAIL("unknown agent accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("unknown agent 'alphago'") != std::string::npos);
    CHECK(std::string(e.what()).find("random") != std::string::npos);
  }
  REQUIRE_THROWS_AS(make_agent("random(sims=3)"), Error);
}

TEST_CASE("same seed, same match", "[agents]") {
  register_builtin_agents();
  auto a = make_agent("random"), b = make_agent("random");
  std::vector<Agent*> seats{a.get(), b.get()};
  for (const char* g : {"leduc_poker", "connect_four"}) {
    auto game = load_game(g);
    auto m1 = play_match(*game, seats, 42);
    auto m2 = play_match(*game, seats, 42);
    auto m3 = play_match(*game, seats, 43);
    CHECK(m1.history == m2.history);
    CHECK(m1.returns == m2.returns);
    CHECK(m1.history != m3.history);
  }
}

TEST_CASE("the human agent re-asks on bad input and accepts strings or numbers", "[agents]") {
  auto game = load_game("tic_tac_toe");
  auto s = game->new_initial_state();
  std::istringstream in("hello\n<X(9,9)>\n  <X(1,1)>  \n");
  std::ostringstream out;
  HumanAgent human(in, out);
  DecisionRequest req;
  req.state = s.get();
  req.player = 0;
  auto d = human.act(std::span<const DecisionRequest>(&req, 1));
  CHECK(d[0].action == 4);
  CHECK(out.str().find("'hello' is not a legal move") != std::string::npos);
  CHECK(out.str().find("'<X(9,9)>' is not a legal move") != std::string::npos);
  std::istringstream by_number("3\n");
  HumanAgent h2(by_number, out);
  CHECK(h2.act(std::span<const DecisionRequest>(&req, 1))[0].action == 2);
  std::istringstream empty("");
  HumanAgent h3(empty, out);
  REQUIRE_THROWS_AS(h3.act(std::span<const DecisionRequest>(&req, 1)), Error);
}
