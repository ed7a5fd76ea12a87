#include "games/connect_four/connect_four.h"

#include <nlohmann/json.hpp>

#include "games/api/registry.h"

namespace arena::connect_four {
namespace {

GameType make_type() {
  GameType t;
  t.short_name = "connect_four";
  t.long_name = "Connect Four";
  t.utility = Utility::kZeroSum;
  t.chance_mode = ChanceMode::kDeterministic;
  t.information = Information::kPerfect;
  t.summary = "Four in a row on a 6x7 board with gravity";
  return t;
}

ARENA_REGISTER_GAME(make_type(), [](const GameType& t, const GameParams& p) -> GamePtr {
  return std::make_shared<ConnectFourGame>(t, p);
});

constexpr char kPieces[3] = {'_', 'x', 'o'};

}  // namespace

std::string ConnectFourGame::rules_text() const {
  return "1. Connect Four is a two-player game played on a vertical board with 6 rows and 7 columns. Columns are "
         "numbered 0 to 6 from left to right.\n"
         "2. Players take turns dropping one of their pieces into a column that is not full; the piece falls to the "
         "lowest empty cell of that column. Player 0 plays x and moves first; player 1 plays o.\n"
         "3. The first player to connect four of their pieces in a horizontal, vertical or diagonal line wins (+1; "
         "the other player gets -1).\n"
         "4. If the board fills up and no player has four in a line, the game is a draw (0 each).\n"
         "5. The board is shown with the top row first; _ marks an empty cell.\n";
}

std::unique_ptr<State> ConnectFourGame::new_initial_state() const {
  return std::make_unique<ConnectFourState>(shared());
}

ConnectFourState::ConnectFourState(GamePtr game) : State(std::move(game)) {}

Player ConnectFourState::current_player() const {
  return (winner_ >= 0 || filled_ == kRows * kCols) ? kTerminalPlayer : to_move_;
}

std::vector<Action> ConnectFourState::legal_actions() const {
  std::vector<Action> out;
  if (winner_ >= 0 || filled_ == kRows * kCols) return out;
  out.reserve(kCols);
  for (int c = 0; c < kCols; ++c)
    if (height_[c] < kRows) out.push_back(c);
  return out;
}

bool ConnectFourState::wins_through(int row, int col, int who) const {
  static constexpr int kDirs[4][2] = {{0, 1}, {1, 0}, {1, 1}, {1, -1}};
  for (const auto& d : kDirs) {
    int count = 1;
    for (int s = -1; s <= 1; s += 2) {
      int r = row + s * d[0], c = col + s * d[1];
      while (r >= 0 && r < kRows && c >= 0 && c < kCols && board_[r * kCols + c] == who) {
        ++count;
        r += s * d[0];
        c += s * d[1];
      }
    }
    if (count >= 4) return true;
  }
  return false;
}

void ConnectFourState::do_apply_action(Action a) {
  const int col = static_cast<int>(a);
  const int row = height_[col]++;
  const int who = to_move_ + 1;
  board_[row * kCols + col] = static_cast<std::uint8_t>(who);
  ++filled_;
  if (wins_through(row, col, who)) winner_ = to_move_;
  to_move_ = 1 - to_move_;
}

std::vector<double> ConnectFourState::returns() const {
  if (winner_ < 0) return {0.0, 0.0};
  return winner_ == 0 ? std::vector<double>{1.0, -1.0} : std::vector<double>{-1.0, 1.0};
}

std::string ConnectFourState::to_string() const {
  std::string s;
  s.reserve(kRows * (kCols + 1));
  for (int r = kRows - 1; r >= 0; --r) {
    for (int c = 0; c < kCols; ++c) s += kPieces[board_[r * kCols + c]];
    s += '\n';
  }
  return s;
}

// Planes (OpenSpiel's layout): x pieces, o pieces, empty; each 6x7 with row 0 at the bottom.
void ConnectFourState::observation_tensor(Player, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  constexpr int kCells = kRows * kCols;
  for (int i = 0; i < kCells; ++i) {
    int plane = board_[i] == 0 ? 2 : board_[i] - 1;
    out[plane * kCells + i] = 1.0f;
  }
}

nlohmann::json ConnectFourState::to_json(Player p) const {
  nlohmann::json rows = nlohmann::json::array();
  for (int r = kRows - 1; r >= 0; --r) {
    std::string row;
    for (int c = 0; c < kCols; ++c) row += kPieces[board_[r * kCols + c]];
    rows.push_back(row);
  }
  nlohmann::json j{{"board_top_first", rows}, {"current_player", current_player()}, {"is_terminal", is_terminal()}};
  if (p >= 0) j["your_piece"] = std::string(1, kPieces[p + 1]);
  if (is_terminal()) j["winner"] = winner_;
  return j;
}

std::string ConnectFourState::action_to_string(Player p, Action a) const {
  return std::string(p == 0 ? "<X(" : "<O(") + std::to_string(a) + ")>";
}

}  // namespace arena::connect_four
