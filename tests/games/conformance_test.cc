// The conformance suite over every registered game (10,000 random games each) and over a plugin's games.
#include <cstdlib>


#include "games/api/conformance.h"
#include "games/api/registry.h"
#include <nlohmann/json.hpp>

#include "tests/catch_compat.h"

using namespace arena;

namespace {
void require_conformant(const std::string& game, int num_games) {
  ConformanceOptions opt;
  opt.num_games = num_games;
  auto report = check_game(game, opt);
  INFO(game);
  for (const auto& f : report.failures) UNSCOPED_INFO(f);
  CHECK(report.games_played == num_games);
  REQUIRE(report.ok());
}
// A game whose second player sees the first player's card through the tensor, and whose returns are not zero-sum.
struct LeakyState;
struct Leaky : Game {
    using Game::Game;
    int num_players() const override { return 2; }
    int num_distinct_actions() const override { return 2; }
    int max_chance_outcomes() const override { return 2; }
    int max_game_length() const override { return 2; }
    std::vector<int> observation_tensor_shape() const override { return {2}; }
    double min_utility() const override { return -1; }
    double max_utility() const override { return 1; }
    std::string rules_text() const override { return "leaky"; }
    std::unique_ptr<State> new_initial_state() const override;
};
struct LeakyState : State {
    using State::State;
    int card = -1, moved = 0;
    Player current_player() const override { return card < 0 ? kChancePlayer : moved ? kTerminalPlayer : 1; }
    std::vector<Action> legal_actions() const override {
      if (current_player() == kTerminalPlayer) return {};
      return {0, 1};
    }
    std::vector<std::pair<Action, double>> chance_outcomes() const override { return {{0, 0.5}, {1, 0.5}}; }
    std::vector<double> returns() const override { return {moved ? 1.0 : 0.0, 0.0}; }
    std::unique_ptr<State> clone() const override { return std::make_unique<LeakyState>(*this); }
    std::string observation_text(Player) const override { return "x"; }
    void observation_tensor(Player, std::span<float> out) const override {
      out[0] = static_cast<float>(card);
      out[1] = 0;
    }
    nlohmann::json to_json(Player) const override { return nlohmann::json::object(); }
    std::string action_to_string(Player, Action a) const override { return a ? "<B>" : "<A>"; }
    std::string to_string() const override { return std::to_string(card); }
    bool chance_outcome_hidden_from(Player p) const override { return p == 1; }
    void do_apply_action(Action a) override {
      if (card < 0) card = static_cast<int>(a);
      else moved = 1;
    }
  };
std::unique_ptr<State> Leaky::new_initial_state() const { return std::make_unique<LeakyState>(shared()); }
}  // namespace

TEST_CASE("every built-in game passes the conformance suite", "[conformance]") {
  for (const auto& name : GameRegistry::global().names()) {
    if (GameRegistry::global().find(name)->origin != "built-in") continue;
    SECTION(name) { require_conformant(name, 1000); }  // 10,000 per game run as ctest conformance_<game>
  }
}

TEST_CASE("the suite catches a broken game", "[conformance]") {
  static bool registered = false;
  if (!registered) {
    GameType t;
    t.short_name = "leaky_test_game";
    t.information = Information::kImperfect;
    t.chance_mode = ChanceMode::kExplicitStochastic;
    GameRegistry::global().add(t, [](const GameType& type, const GameParams& p) -> GamePtr {
      return std::make_shared<Leaky>(type, p);
    }, "test");
    registered = true;
  }
  ConformanceOptions opt;
  opt.num_games = 20;
  opt.privacy_every = 1;
  auto report = check_game("leaky_test_game", opt);
  REQUIRE_FALSE(report.ok());
  bool privacy = false, zero_sum = false;
  for (const auto& f : report.failures) {
    privacy = privacy || f.find("[privacy]") != std::string::npos;
    zero_sum = zero_sum || f.find("[zero_sum]") != std::string::npos;
  }
  CHECK(privacy);
  CHECK(zero_sum);
}


TEST_CASE("a plugin's games pass the conformance suite", "[plugin-conformance][.]") {
  const char* path = std::getenv("ARENA_TEST_PLUGIN");
  REQUIRE(path != nullptr);
  auto info = GameRegistry::global().load_plugin(path);
  REQUIRE_FALSE(info.games.empty());
  for (const auto& g : info.games) require_conformant(g, 10000);
  require_conformant("nim(piles=\"2 2 3\",misere=true)", 2000);
}
