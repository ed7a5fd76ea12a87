// Lewis signaling game, rules and payoffs as OpenSpiel's `lewis_signaling`: chance draws a state uniformly from
// `num_states` (outcome = state id); the sender (player 0) sees it and sends one of `num_messages` messages (action
// = message id); the receiver (player 1) sees only the message and picks an action in [0, num_states) (action =
// its id). Both players get payoffs[num_states * state + action] (row = state, column = action).
//
// Differences from OpenSpiel: `payoffs` empty (the default) means the identity table of size num_states (1 when the
// action equals the state, else 0; for 3 states this is OpenSpiel's default string), and num_messages may exceed
// num_states (OpenSpiel refuses that); action ids stay the same.
#pragma once

#include <algorithm>
#include <vector>

#include "games/api/game.h"

namespace arena::lewis_signaling {

class LewisSignalingGame : public Game {
 public:
  LewisSignalingGame(GameType type, GameParams params);
  int num_players() const override { return 2; }
  int num_distinct_actions() const override { return std::max(num_states_, num_messages_); }
  int max_chance_outcomes() const override { return num_states_; }
  int max_game_length() const override { return 3; }
  // Observer one-hot (2), player to move (2), terminal (1), state one-hot (sender only), message one-hot, receiver's
  // action one-hot.
  std::vector<int> observation_tensor_shape() const override { return {5 + 2 * num_states_ + num_messages_}; }
  double min_utility() const override;
  double max_utility() const override;
  std::string rules_text() const override;
  std::unique_ptr<State> new_initial_state() const override;

  int num_states() const { return num_states_; }
  int num_messages() const { return num_messages_; }
  double payoff(int state, int action) const { return payoffs_[state * num_states_ + action]; }

 private:
  int num_states_;
  int num_messages_;
  std::vector<double> payoffs_;
};

class LewisSignalingState : public State {
 public:
  explicit LewisSignalingState(GamePtr game);
  Player current_player() const override;
  std::vector<Action> legal_actions() const override;
  std::vector<std::pair<Action, double>> chance_outcomes() const override;
  std::vector<double> returns() const override;
  std::unique_ptr<State> clone() const override { return std::make_unique<LewisSignalingState>(*this); }
  std::string observation_text(Player p) const override;
  std::string information_state(Player p) const override;
  void observation_tensor(Player p, std::span<float> out) const override;
  nlohmann::json to_json(Player p) const override;
  std::string action_to_string(Player p, Action a) const override;
  std::string to_string() const override;
  // The drawn state is seen by the sender only.
  bool chance_outcome_hidden_from(Player p) const override { return is_chance_node() && p == 1; }

 protected:
  void do_apply_action(Action a) override;

 private:
  const LewisSignalingGame& lewis() const { return static_cast<const LewisSignalingGame&>(game()); }
  int state_ = -1;
  int message_ = -1;
  int action_ = -1;
};

}  // namespace arena::lewis_signaling
