// Pig, rules and payoffs as OpenSpiel's `pig`: players take turns in order 0, 1, ..., n-1. On a turn the player
// repeatedly chooses ROLL (0) or STOP (1). A roll of a `diceoutcomes`-sided die (chance outcome x means face x + 1)
// ends the turn with nothing banked when it shows 1, else adds the face to the turn total. STOP banks the turn total
// and passes the turn. With `piglet`, chance outcome 0 (probability 1/diceoutcomes) busts and outcome 1 adds 1.
// Only STOP is legal once score + turn total reaches `winscore`. The game ends when a score reaches `winscore`
// (that player +1, every other -1/(n-1)) or after `horizon` player decisions (everyone 0).
#pragma once

#include <vector>

#include "games/api/game.h"

namespace arena::pig {

inline constexpr Action kRoll = 0;
inline constexpr Action kStop = 1;

class PigGame : public Game {
 public:
  PigGame(GameType type, GameParams params);
  int num_players() const override { return players_; }
  int num_distinct_actions() const override { return 2; }
  int max_chance_outcomes() const override { return dice_outcomes_; }
  // At most `horizon` decisions, and a chance outcome after every roll but the last decision.
  int max_game_length() const override { return 2 * horizon_ - 1; }
  // One-hot rows of winscore + 1 bins (the last bin holds every value >= winscore): turn total, then each score.
  std::vector<int> observation_tensor_shape() const override { return {1 + players_, win_score_ + 1}; }
  double min_utility() const override { return -1; }
  double max_utility() const override { return 1; }
  std::string rules_text() const override;
  std::unique_ptr<State> new_initial_state() const override;

  int horizon() const { return horizon_; }
  int win_score() const { return win_score_; }
  int dice_outcomes() const { return dice_outcomes_; }
  bool piglet() const { return piglet_; }

 private:
  int players_;
  int horizon_;
  int win_score_;
  int dice_outcomes_;
  bool piglet_;
};

class PigState : public State {
 public:
  explicit PigState(GamePtr game);
  Player current_player() const override;
  std::vector<Action> legal_actions() const override;
  std::vector<std::pair<Action, double>> chance_outcomes() const override;
  std::vector<double> returns() const override;
  std::unique_ptr<State> clone() const override { return std::make_unique<PigState>(*this); }
  std::string observation_text(Player p) const override;
  void observation_tensor(Player p, std::span<float> out) const override;
  nlohmann::json to_json(Player p) const override;
  std::string action_to_string(Player p, Action a) const override;
  std::string to_string() const override;

  int score(Player p) const { return scores_[p]; }
  int turn_total() const { return turn_total_; }
  int decisions() const { return decisions_; }

 protected:
  void do_apply_action(Action a) override;

 private:
  const PigGame& pig() const { return static_cast<const PigGame&>(game()); }
  bool over() const;
  int points(Action outcome) const;  // what a non-busting outcome adds to the turn total

  std::vector<int> scores_;
  std::vector<int> rolls_;       // faces rolled in the current turn (0 for a piglet +1)
  int turn_total_ = 0;
  Player turn_player_ = 0;
  bool rolling_ = false;         // a chance node is pending
  int decisions_ = 0;            // player decisions so far, bounded by horizon
  // How the previous turn ended, for the text view (formatted only when a view is asked for).
  struct TurnSummary {
    int player = -1;  // -1: no turn has ended yet
    int rolls = 0;
    bool busted = false;
    int amount = 0;   // turn total lost or banked
    int score = 0;    // the player's score after the turn
  };
  TurnSummary last_turn_;
  std::string last_turn_text() const;
};

}  // namespace arena::pig
