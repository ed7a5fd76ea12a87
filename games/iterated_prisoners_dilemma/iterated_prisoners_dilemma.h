// Iterated prisoner's dilemma, rules and payoffs as OpenSpiel's `python_iterated_prisoners_dilemma`: each round
// both players choose COOPERATE (0) or DEFECT (1) at the same time; the round pays (mine, theirs) CC = R, CD = S,
// DC = T, DD = P (defaults 5, 0, 10, 1); after each round a chance node stops the game with probability
// `termination_probability` (outcome 1 = STOP) or continues it (outcome 0 = CONTINUE), and the game ends after
// `max_game_length` rounds at the latest.
//
// The simultaneous move is modelled as two sequential moves: player 0 chooses first, player 1 chooses without seeing
// that choice, and both choices are revealed when the round resolves. The round's payoff is the per-step reward of
// player 1's move. After the last allowed round the game ends directly, with no chance node (OpenSpiel draws one
// whose outcome no longer matters).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "games/api/game.h"

namespace arena::iterated_prisoners_dilemma {

inline constexpr Action kCooperate = 0;
inline constexpr Action kDefect = 1;
inline constexpr Action kContinue = 0;
inline constexpr Action kStop = 1;

class IteratedPrisonersDilemmaGame : public Game {
 public:
  IteratedPrisonersDilemmaGame(GameType type, GameParams params);
  int num_players() const override { return 2; }
  int num_distinct_actions() const override { return 2; }
  int max_chance_outcomes() const override { return 2; }
  int max_game_length() const override { return 3 * max_rounds_ - 1; }
  // Observer one-hot (2), own choice this round (2), opponent has chosen this round (1), last round's joint outcome
  // from the observer's side CC/CD/DC/DD (4), counts of those outcomes over past rounds (4), rounds played (1),
  // terminal (1).
  std::vector<int> observation_tensor_shape() const override { return {15}; }
  double min_utility() const override;
  double max_utility() const override;
  std::string rules_text() const override;
  std::unique_ptr<State> new_initial_state() const override;

  // Payoff of a player who chose `mine` against `theirs`.
  double payoff(Action mine, Action theirs) const { return payoffs_[mine][theirs]; }
  double termination_probability() const { return termination_probability_; }
  int max_rounds() const { return max_rounds_; }

 private:
  double termination_probability_;
  int max_rounds_;
  std::array<std::array<double, 2>, 2> payoffs_;  // [mine][theirs]
};

class IteratedPrisonersDilemmaState : public State {
 public:
  explicit IteratedPrisonersDilemmaState(GamePtr game);
  Player current_player() const override;
  std::vector<Action> legal_actions() const override;
  std::vector<std::pair<Action, double>> chance_outcomes() const override;
  std::vector<double> rewards() const override { return {last_rewards_[0], last_rewards_[1]}; }
  std::vector<double> returns() const override { return {returns_[0], returns_[1]}; }
  std::unique_ptr<State> clone() const override { return std::make_unique<IteratedPrisonersDilemmaState>(*this); }
  std::string observation_text(Player p) const override;
  std::string information_state(Player p) const override;
  void observation_tensor(Player p, std::span<float> out) const override;
  nlohmann::json to_json(Player p) const override;
  std::string action_to_string(Player p, Action a) const override;
  std::string to_string() const override;

  int rounds_played() const { return static_cast<int>(rounds_.size()); }

 protected:
  void do_apply_action(Action a) override;

 private:
  const IteratedPrisonersDilemmaGame& ipd() const;

  std::vector<std::array<std::int8_t, 2>> rounds_;  // completed rounds: (player 0's choice, player 1's choice)
  int pending_ = -1;                                // player 0's hidden choice in the current round
  bool awaiting_chance_ = false;
  bool over_ = false;
  std::array<double, 2> returns_{0.0, 0.0};
  std::array<double, 2> last_rewards_{0.0, 0.0};
};

}  // namespace arena::iterated_prisoners_dilemma
