// Kuhn poker, rules and payoffs as OpenSpiel's `kuhn_poker` with 2 players: a deck of Jack, Queen, King; each player
// antes 1 chip and gets one private card; player 0 acts first. PASS (0) checks or folds, BET (1) bets or calls one
// chip. Pass-pass and bet-bet (or pass-bet-bet) go to showdown, higher card wins the pot; a pass facing a bet folds.
// Chance deals player 0's card then player 1's (outcome = card 0/1/2 = J/Q/K). Game value for player 0: -1/18.
#pragma once

#include <array>

#include "games/api/game.h"

namespace arena::kuhn_poker {

inline constexpr Action kPass = 0;
inline constexpr Action kBet = 1;

class KuhnPokerGame : public Game {
 public:
  KuhnPokerGame(GameType type, GameParams params) : Game(std::move(type), std::move(params)) {}
  int num_players() const override { return 2; }
  int num_distinct_actions() const override { return 2; }
  int max_chance_outcomes() const override { return 3; }
  int max_game_length() const override { return 5; }
  // Player one-hot (2), private card one-hot (3), then (pass, bet) bits for each of up to 3 betting moves.
  std::vector<int> observation_tensor_shape() const override { return {11}; }
  double min_utility() const override { return -2; }
  double max_utility() const override { return 2; }
  std::string rules_text() const override;
  std::unique_ptr<State> new_initial_state() const override;
};

class KuhnPokerState : public State {
 public:
  explicit KuhnPokerState(GamePtr game);
  Player current_player() const override;
  std::vector<Action> legal_actions() const override;
  std::vector<std::pair<Action, double>> chance_outcomes() const override;
  std::vector<double> returns() const override;
  std::unique_ptr<State> clone() const override { return std::make_unique<KuhnPokerState>(*this); }
  std::string observation_text(Player p) const override;
  std::string information_state(Player p) const override;
  void observation_tensor(Player p, std::span<float> out) const override;
  nlohmann::json to_json(Player p) const override;
  std::string action_to_string(Player p, Action a) const override;
  std::string to_string() const override;
  bool chance_outcome_hidden_from(Player p) const override { return is_chance_node() && p != num_dealt_; }

  int card(Player p) const { return cards_[p]; }  // -1 until dealt
  int contribution(Player p) const { return contrib_[p]; }
  double forfeit_loss(Player p) const override { return contrib_[p]; }

 protected:
  void do_apply_action(Action a) override;

 private:
  bool finished() const;
  std::array<int, 2> cards_{-1, -1};
  int num_dealt_ = 0;
  std::array<int, 2> contrib_{1, 1};
  std::array<Action, 3> bets_{};
  int num_bets_ = 0;
};

}  // namespace arena::kuhn_poker
