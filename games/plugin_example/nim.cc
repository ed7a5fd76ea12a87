// Nim as a runtime plugin: piles of objects; a move removes one or more objects from one pile; under normal play
// whoever takes the last object wins (+1 / -1), under misere play they lose. Known truth (Bouton): under normal play
// the player to move wins exactly when the XOR of the pile sizes is non-zero.
#include <algorithm>
#include <numeric>
#include <sstream>

#include <nlohmann/json.hpp>

#include "games/api/plugin.h"

namespace {

using namespace arena;

std::vector<int> parse_piles(const std::string& text) {
  std::vector<int> piles;
  std::istringstream is(text);
  std::string tok;
  while (is >> tok) {
    int v = 0;
    try {
      size_t used = 0;
      v = std::stoi(tok, &used);
      if (used != tok.size()) throw std::invalid_argument(tok);
    } catch (const std::exception&) {
      throw Error("parameter 'piles' of game 'nim': '" + tok + "' is not a pile size (expected e.g. \"1 3 5 7\")");
    }
    if (v < 1 || v > 20) throw Error("parameter 'piles' of game 'nim': pile sizes must be in [1, 20], got " + tok);
    piles.push_back(v);
  }
  if (piles.empty() || piles.size() > 8)
    throw Error("parameter 'piles' of game 'nim': give 1 to 8 pile sizes, e.g. \"1 3 5 7\"");
  return piles;
}

class NimGame : public Game {
 public:
  NimGame(GameType t, GameParams p)
      : Game(std::move(t), std::move(p)), piles_(parse_piles(params().get_string("piles"))),
        misere_(params().get_bool("misere")) {
    max_pile_ = *std::max_element(piles_.begin(), piles_.end());
  }
  int num_players() const override { return 2; }
  // Action = pile * max_pile + (taken - 1).
  int num_distinct_actions() const override { return static_cast<int>(piles_.size()) * max_pile_; }
  int max_game_length() const override { return std::accumulate(piles_.begin(), piles_.end(), 0); }
  std::vector<int> observation_tensor_shape() const override {
    return {static_cast<int>(piles_.size()) + 2, max_pile_ + 1};
  }
  double min_utility() const override { return -1; }
  double max_utility() const override { return 1; }
  std::string rules_text() const override {
    return std::string("1. Nim is played with piles of objects; pile sizes at the start: ") +
           params().get_string("piles") + ".\n2. Players alternate; a move takes one or more objects from a single "
           "pile, written <take K from pile P> (piles numbered from 0).\n3. " +
           (misere_ ? "Misere play: the player who takes the last object loses (-1; the other gets +1).\n"
                    : "The player who takes the last object wins (+1; the other gets -1).\n");
  }
  std::unique_ptr<State> new_initial_state() const override;
  const std::vector<int>& piles() const { return piles_; }
  int max_pile() const { return max_pile_; }
  bool misere() const { return misere_; }

 private:
  std::vector<int> piles_;
  bool misere_;
  int max_pile_ = 1;
};

class NimState : public State {
 public:
  explicit NimState(GamePtr g) : State(g), nim_(static_cast<const NimGame&>(*g)), piles_(nim_.piles()) {}
  Player current_player() const override { return empty() ? kTerminalPlayer : to_move_; }
  std::vector<Action> legal_actions() const override {
    std::vector<Action> out;
    if (empty()) return out;
    for (size_t p = 0; p < piles_.size(); ++p)
      for (int k = 1; k <= piles_[p]; ++k) out.push_back(static_cast<Action>(p) * nim_.max_pile() + (k - 1));
    return out;
  }
  std::vector<double> returns() const override {
    if (!empty()) return {0, 0};
    // The player who made the last move is 1 - to_move_.
    int winner = nim_.misere() ? to_move_ : 1 - to_move_;
    return winner == 0 ? std::vector<double>{1, -1} : std::vector<double>{-1, 1};
  }
  std::unique_ptr<State> clone() const override { return std::make_unique<NimState>(*this); }
  std::string observation_text(Player) const override { return to_string(); }
  void observation_tensor(Player p, std::span<float> out) const override {
    std::fill(out.begin(), out.end(), 0.0f);
    const int w = nim_.max_pile() + 1;
    for (size_t i = 0; i < piles_.size(); ++i) out[i * w + piles_[i]] = 1.0f;
    out[piles_.size() * w + (to_move_ == p ? 0 : 1)] = 1.0f;
  }
  nlohmann::json to_json(Player p) const override {
    return {{"piles", piles_}, {"current_player", current_player()}, {"misere", nim_.misere()}};
  }
  std::string action_to_string(Player, Action a) const override {
    return "<take " + std::to_string(a % nim_.max_pile() + 1) + " from pile " + std::to_string(a / nim_.max_pile()) +
           ">";
  }
  std::string to_string() const override {
    std::string s;
    for (size_t i = 0; i < piles_.size(); ++i)
      s += "pile " + std::to_string(i) + ": " + std::string(piles_[i], '|') + " (" + std::to_string(piles_[i]) + ")\n";
    return s;
  }

 protected:
  void do_apply_action(Action a) override {
    piles_[a / nim_.max_pile()] -= static_cast<int>(a % nim_.max_pile()) + 1;
    to_move_ = 1 - to_move_;
  }

 private:
  bool empty() const {
    return std::all_of(piles_.begin(), piles_.end(), [](int v) { return v == 0; });
  }
  const NimGame& nim_;
  std::vector<int> piles_;
  int to_move_ = 0;
};

std::unique_ptr<State> NimGame::new_initial_state() const { return std::make_unique<NimState>(shared()); }

GameType nim_type() {
  GameType t;
  t.short_name = "nim";
  t.long_name = "Nim";
  t.utility = Utility::kZeroSum;
  t.chance_mode = ChanceMode::kDeterministic;
  t.information = Information::kPerfect;
  t.parameters = {string_param("piles", "1 3 5 7", {}, "space-separated pile sizes, each in [1, 20]"),
                  bool_param("misere", false, "the player who takes the last object loses")};
  t.presets = {{"single", "piles=\"5\"", "one pile of five"}};
  t.summary = "Take objects from piles; last to take wins (example plugin)";
  return t;
}

}  // namespace

ARENA_PLUGIN("nim", "1.0", [](arena::PluginRegistrar& r) {
  r.add(nim_type(), [](const GameType& t, const GameParams& p) -> GamePtr { return std::make_shared<NimGame>(t, p); });
})
