// Breakthrough, rules, payoffs and action ids as OpenSpiel's `breakthrough`: a rows x columns board (default 8x8).
// Player 0 plays black ('b'), starts on the top two rows and moves first, toward the bottom; player 1 plays white
// ('w'), starts on the bottom two rows and moves toward the top (boards with fewer than 6 rows get one row each).
// A piece steps one row forward, straight or diagonally, onto an empty cell, or captures an enemy piece diagonally
// forward. Reaching the far row, or capturing every enemy piece, wins (+1 / -1).
//
// Board row r = 0 is the top row (shown as row `rows`), r = rows - 1 the bottom (row 1); columns a, b, ... from
// the left. Action id = ((r * columns + c) * 6 + dir) * 2 + capture for the piece at (r, c), with dir 0, 1, 2 =
// black moving down-left, down, down-right and dir 3, 4, 5 = white moving up-left, up, up-right; capture is 1 when
// the move takes an enemy piece.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "games/api/game.h"

namespace arena::breakthrough {

inline constexpr int kNumDirections = 6;
inline constexpr std::int8_t kEmpty = 0;
inline constexpr std::int8_t kBlack = 1;  // player 0
inline constexpr std::int8_t kWhite = 2;  // player 1

class BreakthroughGame : public Game {
 public:
  BreakthroughGame(GameType type, GameParams params);
  int num_players() const override { return 2; }
  int num_distinct_actions() const override { return rows_ * cols_ * kNumDirections * 2; }
  // OpenSpiel's bound: every piece only moves forward, so each column yields at most 2*rows-3 moves per player
  // before a piece would have to step onto the winning row, plus that final move.
  int max_game_length() const override { return 2 * (2 * rows_ - 3) * cols_ + 1; }
  // OpenSpiel's layout: planes black, white, empty; each rows x columns with the top row first.
  std::vector<int> observation_tensor_shape() const override { return {3, rows_, cols_}; }
  double min_utility() const override { return -1; }
  double max_utility() const override { return 1; }
  std::string rules_text() const override;
  std::unique_ptr<State> new_initial_state() const override;

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  // Builds an action id, or decodes one into (row, col, dir, capture).
  Action encode(int r, int c, int dir, bool capture) const {
    return static_cast<Action>(((r * cols_ + c) * kNumDirections + dir) * 2 + (capture ? 1 : 0));
  }
  std::array<int, 4> decode(Action a) const;

 private:
  int rows_;
  int cols_;
};

class BreakthroughState : public State {
 public:
  explicit BreakthroughState(GamePtr game);
  Player current_player() const override { return winner_ >= 0 ? kTerminalPlayer : to_move_; }
  std::vector<Action> legal_actions() const override;
  std::vector<double> returns() const override;
  std::unique_ptr<State> clone() const override { return std::make_unique<BreakthroughState>(*this); }
  std::string observation_text(Player p) const override;
  void observation_tensor(Player p, std::span<float> out) const override;
  nlohmann::json to_json(Player p) const override;
  std::string action_to_string(Player p, Action a) const override;
  std::string to_string() const override;

  // 0 empty, 1 black (player 0), 2 white (player 1); row 0 is the top row.
  int cell(int row, int col) const { return board_[row * cols_ + col]; }
  int pieces(Player p) const { return pieces_[p]; }
  int winner() const { return winner_; }

 protected:
  void do_apply_action(Action a) override;

 private:
  const BreakthroughGame& bt() const { return static_cast<const BreakthroughGame&>(game()); }
  std::string cell_name(int r, int c) const;

  int rows_;
  int cols_;
  std::vector<std::int8_t> board_;
  std::array<int, 2> pieces_{0, 0};
  int to_move_ = 0;
  int winner_ = -1;
};

}  // namespace arena::breakthrough
