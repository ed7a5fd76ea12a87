// Uses Arena as a library: drives a built-in game, defines and registers a new game, and runs the conformance suite
// on it. Exits non-zero on any failure.
#include <iostream>

#include <nlohmann/json.hpp>

#include "games/api/conformance.h"
#include "games/api/registry.h"
#include "games/api/rng.h"

namespace {

using namespace arena;

// "Race to 10": players alternately add 1 or 2 to a counter; whoever reaches 10 wins.
class RaceGame : public Game {
 public:
  using Game::Game;
  int num_players() const override { return 2; }
  int num_distinct_actions() const override { return 2; }
  int max_game_length() const override { return 10; }
  std::vector<int> observation_tensor_shape() const override { return {11}; }
  double min_utility() const override { return -1; }
  double max_utility() const override { return 1; }
  std::string rules_text() const override { return "Add 1 or 2 to the counter; reaching 10 wins.\n"; }
  std::unique_ptr<State> new_initial_state() const override;
};

class RaceState : public State {
 public:
  using State::State;
  Player current_player() const override { return count_ >= 10 ? kTerminalPlayer : move_number() % 2; }
  std::vector<Action> legal_actions() const override {
    if (count_ >= 10) return {};
    if (count_ == 9) return {0};
    return {0, 1};
  }
  std::vector<double> returns() const override {
    if (count_ < 10) return {0, 0};
    return (move_number() % 2 == 1) ? std::vector<double>{1, -1} : std::vector<double>{-1, 1};
  }
  std::unique_ptr<State> clone() const override { return std::make_unique<RaceState>(*this); }
  std::string observation_text(Player) const override { return "counter: " + std::to_string(count_) + "\n"; }
  void observation_tensor(Player, std::span<float> out) const override {
    std::fill(out.begin(), out.end(), 0.0f);
    out[count_] = 1.0f;
  }
  nlohmann::json to_json(Player) const override { return {{"counter", count_}}; }
  std::string action_to_string(Player, Action a) const override { return a == 0 ? "<ADD 1>" : "<ADD 2>"; }
  std::string to_string() const override { return observation_text(0); }

 protected:
  void do_apply_action(Action a) override { count_ += static_cast<int>(a) + 1; }

 private:
  int count_ = 0;
};

std::unique_ptr<State> RaceGame::new_initial_state() const { return std::make_unique<RaceState>(shared()); }

}  // namespace

int main() {
  auto ttt = load_game("tic_tac_toe");
  auto s = ttt->new_initial_state();
  Rng rng(7);
  while (!s->is_terminal()) {
    auto legal = s->legal_actions();
    s->apply_action(legal[rng.uniform_int(legal.size())]);
  }
  std::cout << "tic_tac_toe random game: " << s->history().size() << " moves, returns " << s->returns()[0] << "\n";

  GameType t;
  t.short_name = "race_to_ten";
  t.long_name = "Race to Ten";
  GameRegistry::global().add(t, [](const GameType& type, const GameParams& p) -> GamePtr {
    return std::make_shared<RaceGame>(type, p);
  }, "outside_project");
  ConformanceOptions opt;
  opt.num_games = 500;
  auto report = check_game("race_to_ten", opt);
  for (const auto& f : report.failures) std::cerr << f << "\n";
  if (!report.ok()) return 1;
  std::cout << "race_to_ten passes the conformance suite (" << report.states_checked << " states)\n";
  return 0;
}
