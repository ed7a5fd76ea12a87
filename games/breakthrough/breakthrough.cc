#include "games/breakthrough/breakthrough.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "games/api/registry.h"

namespace arena::breakthrough {
namespace {

GameType make_type() {
  GameType t;
  t.short_name = "breakthrough";
  t.long_name = "Breakthrough";
  t.utility = Utility::kZeroSum;
  t.chance_mode = ChanceMode::kDeterministic;
  t.information = Information::kPerfect;
  t.parameters = {int_param("rows", 8, 2, 16, "number of board rows"),
                  int_param("columns", 8, 2, 26, "number of board columns")};
  t.presets = {{"small", "rows=6,columns=5", "a 6x5 board"}};
  t.summary = "Race a pawn to the far row; pieces step forward and capture diagonally";
  return t;
}

ARENA_REGISTER_GAME(make_type(), [](const GameType& t, const GameParams& p) -> GamePtr {
  return std::make_shared<BreakthroughGame>(t, p);
});

// Boards with at least this many rows start with two full rows per player, smaller boards with one.
constexpr int kRowsForTwoRows = 6;
// Row offset and column offset of each direction: black moves down (+1 row), white up (-1 row).
constexpr int kDirRow[kNumDirections] = {1, 1, 1, -1, -1, -1};
constexpr int kDirCol[kNumDirections] = {-1, 0, 1, -1, 0, 1};
constexpr char kPieceChars[3] = {'.', 'b', 'w'};
constexpr const char* kColorNames[2] = {"black", "white"};

}  // namespace

BreakthroughGame::BreakthroughGame(GameType type, GameParams params) : Game(std::move(type), std::move(params)) {
  rows_ = static_cast<int>(this->params().get_int("rows"));
  cols_ = static_cast<int>(this->params().get_int("columns"));
}

std::array<int, 4> BreakthroughGame::decode(Action a) const {
  const int capture = static_cast<int>(a % 2);
  a /= 2;
  const int dir = static_cast<int>(a % kNumDirections);
  a /= kNumDirections;
  return {static_cast<int>(a / cols_), static_cast<int>(a % cols_), dir, capture};
}

std::string BreakthroughGame::rules_text() const {
  const std::string last_col(1, static_cast<char>('a' + cols_ - 1));
  const std::string r = std::to_string(rows_);
  const bool two = rows_ >= kRowsForTwoRows;
  // Rows (as numbered for the reader) of each side's front line at the start, for the move examples.
  const int black_front = two ? rows_ - 1 : rows_, white_front = two ? 2 : 1;
  return "1. Breakthrough is a two-player board game on a board of " + r + " rows and " + std::to_string(cols_) +
         " columns. Columns are lettered a to " + last_col + " from left to right; rows are numbered 1 (bottom) "
         "to " + r + " (top). A cell is named by column then row, e.g. a1 is the bottom-left cell.\n"
         "2. Player_0 plays black (b) and starts on " + (two ? "rows " + r + " and " + std::to_string(rows_ - 1)
                                                             : "row " + r) +
         "; black moves down the board, toward row 1. Player_1 plays white (w) and starts on " +
         (two ? std::string("rows 1 and 2") : std::string("row 1")) +
         "; white moves up the board, toward row " + r + ". Every cell of those rows holds a piece. Black moves "
         "first; then the players alternate.\n"
         "3. On a turn the player moves one of their pieces exactly one row forward (toward the opponent's side):\n"
         "   - straight forward, only onto an empty cell (a piece never captures straight ahead);\n"
         "   - diagonally forward (one column left or right), onto an empty cell, or onto a cell holding an "
         "opponent's piece, which is captured and removed from the board.\n"
         "   A piece can never move sideways or backward, or onto a cell holding one of its own pieces.\n"
         "4. A player wins (+1; the opponent gets -1) as soon as one of their pieces reaches the far row (row 1 for "
         "black, row " + r + " for white), or when they capture the opponent's last piece. There are no draws.\n"
         "5. Moves are written <from-to> for a step onto an empty cell and <fromxto> for a capture, e.g. <a" +
         std::to_string(black_front) + "-a" + std::to_string(black_front - 1) + "> or <b" +
         std::to_string(white_front) + "xa" + std::to_string(white_front + 1) + ">.\n"
         "6. The board is shown with the top row (row " + r + ") first: b is black, w is white, . is empty; row "
         "numbers are on the left and column letters below.\n";
}

std::unique_ptr<State> BreakthroughGame::new_initial_state() const {
  return std::make_unique<BreakthroughState>(shared());
}

BreakthroughState::BreakthroughState(GamePtr game) : State(std::move(game)) {
  rows_ = bt().rows();
  cols_ = bt().cols();
  board_.assign(rows_ * cols_, kEmpty);
  const int depth = rows_ >= kRowsForTwoRows ? 2 : 1;
  for (int r = 0; r < depth; ++r)
    for (int c = 0; c < cols_; ++c) {
      board_[r * cols_ + c] = kBlack;
      board_[(rows_ - 1 - r) * cols_ + c] = kWhite;
    }
  pieces_ = {depth * cols_, depth * cols_};
}

std::vector<Action> BreakthroughState::legal_actions() const {
  std::vector<Action> out;
  if (winner_ >= 0) return out;
  out.reserve(3 * pieces_[to_move_]);
  const std::int8_t mine = to_move_ == 0 ? kBlack : kWhite;
  const std::int8_t theirs = to_move_ == 0 ? kWhite : kBlack;
  const int dir0 = 3 * to_move_;
  const int dr = kDirRow[dir0];
  // Ids grow with (row, column, direction), so scanning in that order yields them sorted.
  for (int r = 0; r < rows_; ++r) {
    const int r2 = r + dr;
    if (r2 < 0 || r2 >= rows_) continue;
    const std::int8_t* row = &board_[r * cols_];
    const std::int8_t* next = &board_[r2 * cols_];
    for (int c = 0; c < cols_; ++c) {
      if (row[c] != mine) continue;
      const Action base = static_cast<Action>((r * cols_ + c) * kNumDirections + dir0) * 2;
      if (c > 0) {
        if (next[c - 1] == kEmpty) out.push_back(base);
        else if (next[c - 1] == theirs) out.push_back(base + 1);
      }
      if (next[c] == kEmpty) out.push_back(base + 2);
      if (c + 1 < cols_) {
        if (next[c + 1] == kEmpty) out.push_back(base + 4);
        else if (next[c + 1] == theirs) out.push_back(base + 5);
      }
    }
  }
  return out;
}

void BreakthroughState::do_apply_action(Action a) {
  const auto [r, c, dir, capture] = bt().decode(a);
  const int r2 = r + kDirRow[dir], c2 = c + kDirCol[dir];
  std::int8_t& target = board_[r2 * cols_ + c2];
  if (target != kEmpty) --pieces_[1 - to_move_];
  target = board_[r * cols_ + c];
  board_[r * cols_ + c] = kEmpty;
  if ((to_move_ == 0 && r2 == rows_ - 1) || (to_move_ == 1 && r2 == 0) || pieces_[1 - to_move_] == 0)
    winner_ = to_move_;
  to_move_ = 1 - to_move_;
}

std::vector<double> BreakthroughState::returns() const {
  if (winner_ < 0) return {0.0, 0.0};
  return winner_ == 0 ? std::vector<double>{1.0, -1.0} : std::vector<double>{-1.0, 1.0};
}

std::string BreakthroughState::cell_name(int r, int c) const {
  return std::string(1, static_cast<char>('a' + c)) + std::to_string(rows_ - r);
}

// OpenSpiel's board text: top row first, each row prefixed by its number, column letters below.
std::string BreakthroughState::to_string() const {
  const int width = rows_ >= 10 ? 2 : 1;
  std::string s;
  s.reserve((rows_ + 1) * (cols_ + width + 1));
  for (int r = 0; r < rows_; ++r) {
    std::string label = std::to_string(rows_ - r);
    s += std::string(width - label.size(), ' ') + label;
    for (int c = 0; c < cols_; ++c) s += kPieceChars[board_[r * cols_ + c]];
    s += '\n';
  }
  s += std::string(width, ' ');
  for (int c = 0; c < cols_; ++c) s += static_cast<char>('a' + c);
  s += '\n';
  return s;
}

std::string BreakthroughState::observation_text(Player p) const {
  std::string s = to_string();
  s += "You are player_" + std::to_string(p) + ", playing " + kColorNames[p] + " (" + kPieceChars[p + 1] + "), " +
       (p == 0 ? "moving down toward row 1" : "moving up toward row " + std::to_string(rows_)) + ".\n";
  s += "Pieces left: black " + std::to_string(pieces_[0]) + ", white " + std::to_string(pieces_[1]) + ".\n";
  if (winner_ >= 0)
    s += "Game over: player_" + std::to_string(winner_) + " (" + kColorNames[winner_] + ") wins.\n";
  else
    s += "To move: player_" + std::to_string(to_move_) + " (" + kColorNames[to_move_] + ").\n";
  return s;
}

void BreakthroughState::observation_tensor(Player, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  const int cells = rows_ * cols_;
  for (int i = 0; i < cells; ++i) {
    const int plane = board_[i] == kEmpty ? 2 : board_[i] - 1;
    out[plane * cells + i] = 1.0f;
  }
}

nlohmann::json BreakthroughState::to_json(Player p) const {
  nlohmann::json rows = nlohmann::json::array();
  for (int r = 0; r < rows_; ++r) {
    std::string row;
    for (int c = 0; c < cols_; ++c) row += kPieceChars[board_[r * cols_ + c]];
    rows.push_back(row);
  }
  nlohmann::json j{{"board_top_first", rows},
                   {"pieces", {pieces_[0], pieces_[1]}},
                   {"current_player", current_player()},
                   {"is_terminal", winner_ >= 0}};
  if (p >= 0) j["your_piece"] = std::string(1, kPieceChars[p + 1]);
  if (winner_ >= 0) j["winner"] = winner_;
  return j;
}

std::string BreakthroughState::action_to_string(Player, Action a) const {
  if (a < 0 || a >= bt().num_distinct_actions()) return "<?>";
  const auto [r, c, dir, capture] = bt().decode(a);
  const int r2 = r + kDirRow[dir], c2 = c + kDirCol[dir];
  if (r2 < 0 || r2 >= rows_ || c2 < 0 || c2 >= cols_) return "<?>";
  return "<" + cell_name(r, c) + (capture ? "x" : "-") + cell_name(r2, c2) + ">";
}

}  // namespace arena::breakthrough
