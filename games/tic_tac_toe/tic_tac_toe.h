// Tic-Tac-Toe, rules and payoffs as OpenSpiel's `tic_tac_toe`: action r*3+c places the mover's mark; player 0 is X
// and moves first; three in a row wins (+1 / -1), a full board with no line is a draw (0 / 0).
#pragma once

#include <array>

#include "games/api/game.h"

namespace arena::tic_tac_toe {

enum class Cell : char { kEmpty = '_', kX = 'X', kO = 'O' };

class TicTacToeGame : public Game {
 public:
  TicTacToeGame(GameType type, GameParams params) : Game(std::move(type), std::move(params)) {}
  int num_players() const override { return 2; }
  int num_distinct_actions() const override { return 9; }
  int max_game_length() const override { return 9; }
  std::vector<int> observation_tensor_shape() const override { return {3, 3, 3}; }
  double min_utility() const override { return -1; }
  double max_utility() const override { return 1; }
  std::string rules_text() const override;
  std::unique_ptr<State> new_initial_state() const override;
};

class TicTacToeState : public State {
 public:
  explicit TicTacToeState(GamePtr game);
  Player current_player() const override;
  std::vector<Action> legal_actions() const override;
  std::vector<double> returns() const override;
  std::unique_ptr<State> clone() const override { return std::make_unique<TicTacToeState>(*this); }
  std::string observation_text(Player p) const override;
  void observation_tensor(Player p, std::span<float> out) const override;
  nlohmann::json to_json(Player p) const override;
  std::string action_to_string(Player p, Action a) const override;
  std::string to_string() const override;

  Cell cell(int r, int c) const { return board_[r * 3 + c]; }
  // +1 if X has a line, -1 if O has, 0 otherwise.
  int winner() const { return winner_; }

 protected:
  void do_apply_action(Action a) override;

 private:
  std::array<Cell, 9> board_;
  int to_move_ = 0;
  int filled_ = 0;
  int winner_ = 0;
};

}  // namespace arena::tic_tac_toe
