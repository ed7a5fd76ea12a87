#include "games/tic_tac_toe/tic_tac_toe.h"

#include <nlohmann/json.hpp>

#include "games/api/registry.h"

namespace arena::tic_tac_toe {
namespace {

constexpr int kLines[8][3] = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {0, 3, 6}, {1, 4, 7}, {2, 5, 8}, {0, 4, 8}, {2, 4, 6}};

GameType make_type() {
  GameType t;
  t.short_name = "tic_tac_toe";
  t.long_name = "Tic-Tac-Toe";
  t.utility = Utility::kZeroSum;
  t.chance_mode = ChanceMode::kDeterministic;
  t.information = Information::kPerfect;
  t.summary = "Three in a row on a 3x3 grid";
  return t;
}

ARENA_REGISTER_GAME(make_type(), [](const GameType& t, const GameParams& p) -> GamePtr {
  return std::make_shared<TicTacToeGame>(t, p);
});

char mark_of(Player p) { return p == 0 ? 'X' : 'O'; }

}  // namespace

std::string TicTacToeGame::rules_text() const {
  return "1. Tic-tac-toe is a two-player game played on a 3 by 3 grid. The grid is 0-indexed: (0,0) is the top-left "
         "corner and (2,2) is the bottom-right corner.\n"
         "2. Two players take turns placing their marks X and O in empty cells of the grid. Player 0 plays X and "
         "moves first; player 1 plays O.\n"
         "3. The first player to get three of their marks in a horizontal, vertical or diagonal line wins (+1; the "
         "other player gets -1).\n"
         "4. If all nine cells are filled and no player has three in a line, the game is a draw (0 each).\n";
}

std::unique_ptr<State> TicTacToeGame::new_initial_state() const {
  return std::make_unique<TicTacToeState>(shared());
}

TicTacToeState::TicTacToeState(GamePtr game) : State(std::move(game)) { board_.fill(Cell::kEmpty); }

Player TicTacToeState::current_player() const {
  return (winner_ != 0 || filled_ == 9) ? kTerminalPlayer : to_move_;
}

std::vector<Action> TicTacToeState::legal_actions() const {
  std::vector<Action> out;
  if (winner_ != 0 || filled_ == 9) return out;
  out.reserve(9 - filled_);
  for (int i = 0; i < 9; ++i)
    if (board_[i] == Cell::kEmpty) out.push_back(i);
  return out;
}

void TicTacToeState::do_apply_action(Action a) {
  const Cell mark = to_move_ == 0 ? Cell::kX : Cell::kO;
  board_[a] = mark;
  ++filled_;
  for (const auto& line : kLines) {
    if (line[0] != a && line[1] != a && line[2] != a) continue;
    if (board_[line[0]] == mark && board_[line[1]] == mark && board_[line[2]] == mark) {
      winner_ = to_move_ == 0 ? 1 : -1;
      break;
    }
  }
  to_move_ = 1 - to_move_;
}

std::vector<double> TicTacToeState::returns() const {
  return {static_cast<double>(winner_), static_cast<double>(-winner_)};
}

std::string TicTacToeState::observation_text(Player) const { return to_string(); }

std::string TicTacToeState::to_string() const {
  std::string s;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) s += static_cast<char>(board_[r * 3 + c]);
    s += '\n';
  }
  return s;
}

// Planes (OpenSpiel's layout): empty, O, X; each 3x3 row-major.
void TicTacToeState::observation_tensor(Player, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  for (int i = 0; i < 9; ++i) {
    int plane = board_[i] == Cell::kEmpty ? 0 : board_[i] == Cell::kO ? 1 : 2;
    out[plane * 9 + i] = 1.0f;
  }
}

nlohmann::json TicTacToeState::to_json(Player p) const {
  nlohmann::json board = nlohmann::json::array();
  for (int r = 0; r < 3; ++r) {
    std::string row;
    for (int c = 0; c < 3; ++c) row += static_cast<char>(board_[r * 3 + c]);
    board.push_back(row);
  }
  nlohmann::json j{{"board", board}, {"current_player", current_player()}, {"is_terminal", is_terminal()}};
  if (p >= 0) j["your_mark"] = std::string(1, mark_of(p));
  if (is_terminal()) j["winner"] = winner_ == 1 ? 0 : winner_ == -1 ? 1 : -1;
  return j;
}

std::string TicTacToeState::action_to_string(Player p, Action a) const {
  return "<" + std::string(1, mark_of(p)) + "(" + std::to_string(a / 3) + "," + std::to_string(a % 3) + ")>";
}

}  // namespace arena::tic_tac_toe
