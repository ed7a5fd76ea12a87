// Tiny Hanabi, rules and payoffs as OpenSpiel's `tiny_hanabi`: the cooperative matrix game of the Bayesian Action
// Decoder paper. Chance deals each player one private card (num_chance kinds, outcome = card), player 0's first;
// then each player in turn picks one of num_actions actions, seeing its own card and every earlier action. Every
// player receives the same payoff, read from the `payoff` table (';'-separated numbers) at index
// ((c_0 * C + c_1) * C ... + c_{n-1}) * A^n + ((a_0 * A + a_1) * A ... + a_{n-1}), C = num_chance, A = num_actions:
// cards major, then actions, earlier players more significant. The default 2-player table (2 cards, 3 actions) has
// an optimal joint policy worth 10.
#pragma once

#include <vector>

#include "games/api/game.h"

namespace arena::tiny_hanabi {

class TinyHanabiGame : public Game {
 public:
  TinyHanabiGame(GameType type, GameParams params);
  int num_players() const override { return num_players_; }
  int num_distinct_actions() const override { return num_actions_; }
  int max_chance_outcomes() const override { return num_chance_; }
  int max_game_length() const override { return 2 * num_players_; }
  // Player one-hot (n), own card one-hot (C), then each player's action one-hot (n * A).
  std::vector<int> observation_tensor_shape() const override {
    return {num_players_ + num_chance_ + num_players_ * num_actions_};
  }
  double min_utility() const override { return min_utility_; }
  double max_utility() const override { return max_utility_; }
  std::string rules_text() const override;
  std::unique_ptr<State> new_initial_state() const override;

  int num_chance() const { return num_chance_; }
  int num_actions() const { return num_actions_; }
  // Payoff of a complete deal and action profile (one card and one action per player).
  double payoff(const std::vector<int>& cards, const std::vector<int>& actions) const;

 private:
  int num_players_;
  int num_chance_;
  int num_actions_;
  std::vector<double> payoff_;
  double min_utility_ = 0;
  double max_utility_ = 0;
};

class TinyHanabiState : public State {
 public:
  explicit TinyHanabiState(GamePtr game);
  Player current_player() const override;
  std::vector<Action> legal_actions() const override;
  std::vector<std::pair<Action, double>> chance_outcomes() const override;
  std::vector<double> returns() const override;
  std::unique_ptr<State> clone() const override { return std::make_unique<TinyHanabiState>(*this); }
  std::string observation_text(Player p) const override;
  std::string information_state(Player p) const override;
  void observation_tensor(Player p, std::span<float> out) const override;
  nlohmann::json to_json(Player p) const override;
  std::string action_to_string(Player p, Action a) const override;
  std::string to_string() const override;
  bool chance_outcome_hidden_from(Player p) const override {
    return is_chance_node() && p != static_cast<Player>(cards_.size());
  }

  const std::vector<int>& cards() const { return cards_; }
  const std::vector<int>& actions() const { return actions_; }

 protected:
  void do_apply_action(Action a) override;

 private:
  const TinyHanabiGame& th() const { return *th_; }
  const TinyHanabiGame* th_;
  std::vector<int> cards_;    // dealt so far, player order
  std::vector<int> actions_;  // taken so far, player order
};

}  // namespace arena::tiny_hanabi
