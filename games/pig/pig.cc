#include "games/pig/pig.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "games/api/registry.h"

namespace arena::pig {
namespace {

GameType make_type() {
  GameType t;
  t.short_name = "pig";
  t.long_name = "Pig";
  t.min_players = 2;
  t.max_players = 10;
  t.utility = Utility::kZeroSum;
  t.chance_mode = ChanceMode::kExplicitStochastic;
  t.information = Information::kPerfect;
  t.parameters = {int_param("players", 2, 2, 10, "number of players"),
                  int_param("horizon", 1000, 1, 100000, "the game ends in a draw after this many player decisions"),
                  int_param("winscore", 100, 1, 1000, "banked score that wins the game"),
                  int_param("diceoutcomes", 6, 2, 100, "number of faces of the die"),
                  bool_param("piglet", false, "each roll busts with probability 1/diceoutcomes, else adds 1")};
  t.presets = {{"piglet", "piglet=true,diceoutcomes=2,winscore=10", "Piglet: a coin flip, first to 10 points"},
               {"short", "winscore=20", "first to 20 points"}};
  t.summary = "Dice: roll to grow your turn total, stop to bank it; a 1 loses the turn";
  return t;
}

ARENA_REGISTER_GAME(make_type(), [](const GameType& t, const GameParams& p) -> GamePtr {
  return std::make_shared<PigGame>(t, p);
});

std::string player_name(Player p) { return "player_" + std::to_string(p); }

}  // namespace

PigGame::PigGame(GameType type, GameParams params)
    : Game(std::move(type), std::move(params)),
      players_(static_cast<int>(this->params().get_int("players"))),
      horizon_(static_cast<int>(this->params().get_int("horizon"))),
      win_score_(static_cast<int>(this->params().get_int("winscore"))),
      dice_outcomes_(static_cast<int>(this->params().get_int("diceoutcomes"))),
      piglet_(this->params().get_bool("piglet")) {}

std::string PigGame::rules_text() const {
  const std::string n = std::to_string(players_), d = std::to_string(dice_outcomes_);
  const std::string w = std::to_string(win_score_);
  std::string s = "1. Pig is a dice game for " + n + " players (player_0 to player_" + std::to_string(players_ - 1) +
                  "). Everyone starts with a score of 0; the first to bank a score of at least " + w + " wins.\n"
                  "2. Players take turns in order player_0, player_1, ..., wrapping around. During your turn you "
                  "have a turn total that starts at 0. At each decision you choose one action:\n"
                  "   - <ROLL>: roll the die (see rule 3).\n"
                  "   - <STOP>: add your turn total to your score (allowed even when it is 0); your turn ends and the next "
                  "player starts.\n";
  if (piglet_)
    s += "3. A roll busts with probability 1/" + d + ": your turn total is lost and your turn ends. Otherwise "
         "(probability " + std::to_string(dice_outcomes_ - 1) + "/" + d + ") the roll adds 1 to your turn total "
         "and you decide again.\n";
  else
    s += "3. The die has " + d + " faces, 1 to " + d + ", each equally likely. Rolling a 1 loses your turn total "
         "and ends your turn (nothing is added to your score). Any other face is added to your turn total and you "
         "decide again.\n";
  s += "4. Once your score plus your turn total reaches " + w + ", <STOP> is your only legal action.\n"
       "5. The game ends as soon as a player's score reaches " + w + ": that player wins and scores +1, and every "
       "other player scores -" + (players_ == 2 ? std::string("1") : "1/" + std::to_string(players_ - 1)) +
       ". If nobody has won after " + std::to_string(horizon_) +
       " decisions (rolls and stops of all players together), the game ends and everyone scores 0.\n";
  return s;
}

std::unique_ptr<State> PigGame::new_initial_state() const { return std::make_unique<PigState>(shared()); }

PigState::PigState(GamePtr game) : State(std::move(game)), scores_(num_players(), 0) {}

bool PigState::over() const {
  if (decisions_ >= pig().horizon()) return true;
  return std::any_of(scores_.begin(), scores_.end(), [&](int s) { return s >= pig().win_score(); });
}

Player PigState::current_player() const {
  if (over()) return kTerminalPlayer;
  return rolling_ ? kChancePlayer : turn_player_;
}

std::vector<Action> PigState::legal_actions() const {
  const Player p = current_player();
  if (p == kTerminalPlayer) return {};
  if (p == kChancePlayer) {
    std::vector<Action> out(pig().piglet() ? 2 : pig().dice_outcomes());
    for (size_t x = 0; x < out.size(); ++x) out[x] = static_cast<Action>(x);
    return out;
  }
  if (scores_[p] + turn_total_ >= pig().win_score()) return {kStop};
  return {kRoll, kStop};
}

std::vector<std::pair<Action, double>> PigState::chance_outcomes() const {
  if (!is_chance_node()) return State::chance_outcomes();
  const int d = pig().dice_outcomes();
  if (pig().piglet()) return {{0, 1.0 / d}, {1, 1.0 - 1.0 / d}};
  std::vector<std::pair<Action, double>> out;
  for (int x = 0; x < d; ++x) out.emplace_back(x, 1.0 / d);
  return out;
}

int PigState::points(Action outcome) const { return pig().piglet() ? 1 : static_cast<int>(outcome) + 1; }

void PigState::do_apply_action(Action a) {
  if (rolling_) {
    rolling_ = false;
    rolls_.push_back(static_cast<int>(a));
    if (a == 0) {  // a 1 (or a Piglet bust) loses the turn total and the turn
      last_turn_ = {turn_player_, static_cast<int>(rolls_.size()), true, turn_total_, scores_[turn_player_]};
      turn_total_ = 0;
      rolls_.clear();
      turn_player_ = (turn_player_ + 1) % num_players();
    } else {
      turn_total_ += points(a);
    }
    return;
  }
  ++decisions_;
  if (a == kRoll) {
    rolling_ = true;
    return;
  }
  scores_[turn_player_] += turn_total_;
  last_turn_ = {turn_player_, static_cast<int>(rolls_.size()), false, turn_total_, scores_[turn_player_]};
  turn_total_ = 0;
  rolls_.clear();
  turn_player_ = (turn_player_ + 1) % num_players();
}

std::vector<double> PigState::returns() const {
  const int n = num_players();
  std::vector<double> out(n, 0.0);
  if (!over()) return out;
  for (Player p = 0; p < n; ++p) {
    if (scores_[p] < pig().win_score()) continue;
    std::fill(out.begin(), out.end(), -1.0 / (n - 1));
    out[p] = 1.0;
    return out;
  }
  return out;  // horizon reached without a winner
}

std::string PigState::action_to_string(Player p, Action a) const {
  if (p == kChancePlayer) {
    if (pig().piglet()) return a == 0 ? "Roll: bust" : "Roll: +1";
    return "Roll " + std::to_string(a + 1);
  }
  return a == kRoll ? "<ROLL>" : a == kStop ? "<STOP>" : "<?>";
}

std::string PigState::last_turn_text() const {
  const auto& t = last_turn_;
  if (t.busted)
    return player_name(t.player) + " rolled " + std::to_string(t.rolls) + " time(s), " +
           (pig().piglet() ? "busted" : "rolled a 1") + " on the last roll and lost a turn total of " +
           std::to_string(t.amount) + ".";
  return player_name(t.player) + " stopped after " + std::to_string(t.rolls) + " roll(s), banking " +
         std::to_string(t.amount) + " (score now " + std::to_string(t.score) + ").";
}

std::string PigState::observation_text(Player p) const {
  const int n = num_players();
  std::string s = "You are " + player_name(p) + " in Pig (" + std::to_string(n) + " players, first to " +
                  std::to_string(pig().win_score()) + " points wins).\nScores:";
  for (Player q = 0; q < n; ++q)
    s += std::string(q ? "," : "") + " " + player_name(q) + " " + std::to_string(scores_[q]) +
         (q == p ? " (you)" : "");
  s += ".\n";
  if (last_turn_.player >= 0) s += "Previous turn: " + last_turn_text() + "\n";
  std::string rolled;
  for (int r : rolls_)
    rolled += (rolled.empty() ? "" : ", ") + std::string(pig().piglet() ? "+" : "") + std::to_string(points(r));
  if (!is_terminal()) {
    s += "Current turn: " + player_name(turn_player_) + ", rolls so far: " + (rolled.empty() ? "none" : rolled) +
         ", turn total " + std::to_string(turn_total_) + (rolling_ ? " (the die is being rolled)" : "") + ".\n";
  }
  s += "Decisions so far: " + std::to_string(decisions_) + " of at most " + std::to_string(pig().horizon()) + ".\n";
  if (is_terminal()) {
    const auto ret = returns();
    const auto w = std::find(ret.begin(), ret.end(), 1.0);
    if (w == ret.end()) s += "The game is over: nobody reached the target in time; everyone scores 0.\n";
    else s += "The game is over: " + player_name(static_cast<Player>(w - ret.begin())) + " wins.\n";
  } else if (turn_player_ == p && !rolling_) {
    s += "It is your turn: <ROLL> or <STOP>.\n";
  }
  return s;
}

void PigState::observation_tensor(Player /*p*/, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  const int bins = pig().win_score() + 1;
  out[std::min(turn_total_, bins - 1)] = 1.0f;
  for (Player q = 0; q < num_players(); ++q) out[(1 + q) * bins + std::min(scores_[q], bins - 1)] = 1.0f;
}

nlohmann::json PigState::to_json(Player p) const {
  std::vector<int> faces;
  for (int r : rolls_) faces.push_back(points(r));
  nlohmann::json j{{"player", p},
                   {"scores", scores_},
                   {"turn_player", turn_player_},
                   {"turn_total", turn_total_},
                   {"rolls_this_turn", faces},
                   {"decisions", decisions_},
                   {"horizon", pig().horizon()},
                   {"winscore", pig().win_score()},
                   {"current_player", current_player()},
                   {"is_terminal", is_terminal()}};
  if (is_terminal()) j["returns"] = returns();
  return j;
}

std::string PigState::to_string() const {
  std::string s = "Scores:";
  for (int x : scores_) s += " " + std::to_string(x);
  return s + ", Turn total: " + std::to_string(turn_total_) + "\nCurrent player: " + std::to_string(turn_player_) +
         (rolling_ ? " (rolling)\n" : "\n");
}

}  // namespace arena::pig
