// Connect Four, rules and payoffs as OpenSpiel's `connect_four`: a 6x7 board, action c drops the mover's piece into
// column c; player 0 ('x') moves first; four in a row (any direction) wins (+1 / -1); a full board is a draw.
#pragma once

#include <array>

#include "games/api/game.h"

namespace arena::connect_four {

inline constexpr int kRows = 6;
inline constexpr int kCols = 7;

class ConnectFourGame : public Game {
 public:
  ConnectFourGame(GameType type, GameParams params) : Game(std::move(type), std::move(params)) {}
  int num_players() const override { return 2; }
  int num_distinct_actions() const override { return kCols; }
  int max_game_length() const override { return kRows * kCols; }
  std::vector<int> observation_tensor_shape() const override { return {3, kRows, kCols}; }
  double min_utility() const override { return -1; }
  double max_utility() const override { return 1; }
  std::string rules_text() const override;
  std::unique_ptr<State> new_initial_state() const override;
};

class ConnectFourState : public State {
 public:
  explicit ConnectFourState(GamePtr game);
  Player current_player() const override;
  std::vector<Action> legal_actions() const override;
  std::vector<double> returns() const override;
  std::unique_ptr<State> clone() const override { return std::make_unique<ConnectFourState>(*this); }
  std::string observation_text(Player p) const override { return to_string(); }
  void observation_tensor(Player p, std::span<float> out) const override;
  nlohmann::json to_json(Player p) const override;
  std::string action_to_string(Player p, Action a) const override;
  std::string to_string() const override;

  // Row 0 is the bottom row. 0 = empty, 1 = player 0 ('x'), 2 = player 1 ('o').
  int cell(int row, int col) const { return board_[row * kCols + col]; }

 protected:
  void do_apply_action(Action a) override;

 private:
  bool wins_through(int row, int col, int who) const;
  std::array<std::uint8_t, kRows * kCols> board_{};
  std::array<std::uint8_t, kCols> height_{};
  int to_move_ = 0;
  int filled_ = 0;
  int winner_ = -1;  // -1: none yet
};

}  // namespace arena::connect_four
