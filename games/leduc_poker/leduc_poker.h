// Leduc hold'em, rules and payoffs as OpenSpiel's `leduc_poker` (2 players): six cards, two each of Jack, Queen,
// King (card id c has rank c/2 and suit c%2). Each player antes 1 and gets one private card; a betting round
// follows, then one public card, then a second betting round. Bets are 2 in round 1 and 4 in round 2, at most two
// raises per round; player 0 acts first in each round. Actions: FOLD (0, only when facing a bet), CALL (1, checks
// when not facing a bet), RAISE (2). Showdown: a private card pairing the public card wins, else the higher rank
// wins, equal ranks split. The winner gains what the loser put into the pot.
#pragma once

#include <array>
#include <vector>

#include "games/api/game.h"

namespace arena::leduc_poker {

inline constexpr Action kFold = 0;
inline constexpr Action kCall = 1;
inline constexpr Action kRaise = 2;
inline constexpr int kDeckSize = 6;
inline constexpr int kMaxRaises = 2;

class LeducPokerGame : public Game {
 public:
  LeducPokerGame(GameType type, GameParams params) : Game(std::move(type), std::move(params)) {}
  int num_players() const override { return 2; }
  int num_distinct_actions() const override { return 3; }
  int max_chance_outcomes() const override { return kDeckSize; }
  int max_game_length() const override { return 3 + 2 * (kMaxRaises + 2); }
  // Player one-hot (2), private card (6), public card (6), then (call, raise) bits for up to 4 moves per round.
  std::vector<int> observation_tensor_shape() const override { return {30}; }
  double min_utility() const override { return -13; }
  double max_utility() const override { return 13; }
  std::string rules_text() const override;
  std::unique_ptr<State> new_initial_state() const override;
};

class LeducPokerState : public State {
 public:
  explicit LeducPokerState(GamePtr game);
  Player current_player() const override;
  std::vector<Action> legal_actions() const override;
  std::vector<std::pair<Action, double>> chance_outcomes() const override;
  std::vector<double> returns() const override;
  std::unique_ptr<State> clone() const override { return std::make_unique<LeducPokerState>(*this); }
  std::string observation_text(Player p) const override;
  std::string information_state(Player p) const override;
  void observation_tensor(Player p, std::span<float> out) const override;
  nlohmann::json to_json(Player p) const override;
  std::string action_to_string(Player p, Action a) const override;
  std::string to_string() const override;
  bool chance_outcome_hidden_from(Player p) const override;

  int private_card(Player p) const { return cards_[p]; }
  int public_card() const { return public_card_; }
  int contribution(Player p) const { return contrib_[p]; }
  double forfeit_loss(Player p) const override { return contrib_[p]; }

 protected:
  void do_apply_action(Action a) override;

 private:
  struct Move {
    Player player;
    Action action;
  };
  int dealt() const { return (cards_[0] >= 0) + (cards_[1] >= 0) + (public_card_ >= 0); }
  bool card_used(int c) const { return cards_[0] == c || cards_[1] == c || public_card_ == c; }

  std::array<int, 2> cards_{-1, -1};
  int public_card_ = -1;
  int round_ = 0;                    // 0 or 1
  std::array<int, 2> contrib_{1, 1};
  int stakes_ = 1;                   // contribution each player must match
  int raises_ = 0;                   // raises in the current round
  int to_act_ = 0;
  int folded_ = -1;                  // player who folded
  bool round_over_ = false;          // current round's betting has closed
  std::array<std::vector<Move>, 2> moves_;
};

}  // namespace arena::leduc_poker
