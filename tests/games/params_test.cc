#include <string>

#include "games/api/registry.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
std::string error_of(const std::string& game_string) {
  try {
    load_game(game_string);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("spec strings parse names, quoted values and nested parentheses", "[params]") {
  auto s = parse_spec_string(" mcts( sims = 100, game=\"kuhn_poker(a=1,b=2)\" ) ", "agent");
  REQUIRE(s.name == "mcts");
  REQUIRE(s.args.size() == 2);
  CHECK(s.args[0] == std::pair<std::string, std::string>{"sims", "100"});
  CHECK(s.args[1].second == "kuhn_poker(a=1,b=2)");
  auto nested = parse_spec_string("cfr(game=leduc_poker(x=1),iters=5)", "agent");
  REQUIRE(nested.args.size() == 2);
  CHECK(nested.args[0].second == "leduc_poker(x=1)");
  CHECK(parse_spec_string("random()", "agent").args.empty());
}

TEST_CASE("malformed spec strings give one clear error", "[params]") {
  for (const char* bad : {"", "kuhn_poker(", "kuhn_poker(a)", "kuhn_poker(a=)", "1game", "x(a=1,a=2)", "x(a=\"1)"}) {
    INFO(bad);
    REQUIRE_THROWS_AS(parse_spec_string(bad, "game"), Error);
  }
  try {
    parse_spec_string("kuhn_poker(ante)", "game");
  } catch (const Error& e) {
    CHECK(contains(e.what(), "kuhn_poker(ante)"));
    CHECK(contains(e.what(), "key=value"));
  }
}

TEST_CASE("unknown games and parameters name the input and what is allowed", "[params]") {
  auto e = error_of("no_such_game");
  CHECK(contains(e, "unknown game 'no_such_game'"));
  CHECK(contains(e, "kuhn_poker"));
  e = error_of("kuhn_poker(players=3)");
  CHECK(contains(e, "unknown parameter 'players'"));
  CHECK(contains(e, "takes no parameters"));
  e = error_of("tic_tac_toe(preset=big)");
  CHECK(contains(e, "unknown preset 'big'"));
}

TEST_CASE("parameter values are typed and range-checked against the spec", "[params]") {
  std::vector<ParamSpec> specs = {int_param("colors", 5, 1, 5, "colors"), double_param("p", 0.5, 0, 1, "prob"),
                                  bool_param("flag", false, "a flag"),
                                  string_param("mode", "a", {"a", "b"}, "mode")};
  auto p = GameParams::from_strings(specs, {{"colors", "3"}, {"p", "0.25"}, {"flag", "true"}, {"mode", "b"}}, "game 'x'");
  CHECK(p.get_int("colors") == 3);
  CHECK(p.get_double("p") == 0.25);
  CHECK(p.get_bool("flag"));
  CHECK(p.get_string("mode") == "b");
  auto d = GameParams::from_strings(specs, {}, "game 'x'");
  CHECK(d.get_int("colors") == 5);
  auto bad = [&](std::string key, std::string value, std::string expect) {
    try {
      GameParams::from_strings(specs, {{key, value}}, "game 'x'");
      FAIL("accepted " + key + "=" + value);
    } catch (const Error& e) {
      INFO(e.what());
      CHECK(contains(e.what(), expect));
    }
  };
  bad("colors", "7", "integer in [1, 5], got '7'");
  bad("colors", "2.5", "integer in [1, 5]");
  bad("p", "abc", "number in [0, 1]");
  bad("flag", "maybe", "boolean");
  bad("mode", "c", "one of {a, b}");
}

TEST_CASE("canonical game strings round-trip", "[params]") {
  for (const auto& name : GameRegistry::global().names()) {
    auto g = load_game(name);
    CHECK(load_game(g->to_string())->to_string() == g->to_string());
  }
}

TEST_CASE("serialized states round-trip and malformed ones are rejected clearly", "[params]") {
  auto g = load_game("kuhn_poker");
  auto s = g->new_initial_state();
  for (Action a : {2, 0, 1}) s->apply_action(a);
  CHECK(s->serialize() == "kuhn_poker\n2 0 1");
  auto d = deserialize_state(s->serialize());
  CHECK(d->history() == s->history());
  CHECK(d->observation_text(1) == s->observation_text(1));
  REQUIRE_THROWS_AS(deserialize_state(""), Error);
  REQUIRE_THROWS_AS(deserialize_state("kuhn_poker\n2 x"), Error);
  try {
    deserialize_state("kuhn_poker\n2 2");
    FAIL("accepted a card dealt twice");
  } catch (const Error& e) {
    CHECK(contains(e.what(), "move 2"));
    CHECK(contains(e.what(), "illegal chance outcome 2"));
  }
  REQUIRE_THROWS_AS(deserialize_state("nope\n1"), Error);
}
