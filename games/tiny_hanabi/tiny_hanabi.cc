#include "games/tiny_hanabi/tiny_hanabi.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "games/api/registry.h"

namespace arena::tiny_hanabi {
namespace {

// The payoff table of the Bayesian Action Decoder paper: for each deal (player 0's card, player 1's card) in the
// order (0,0), (0,1), (1,0), (1,1), nine entries with row = player 0's action and column = player 1's action.
constexpr const char* kDefaultPayoff =
    "10;0;0;4;8;4;10;0;0;"
    "0;0;10;4;8;4;0;0;10;"
    "0;0;10;4;8;4;0;0;0;"
    "10;0;0;4;8;4;10;0;0";

// Largest payoff table accepted; far above anything a game string can reasonably spell out.
constexpr long long kMaxTableSize = 1 << 20;

GameType make_type() {
  GameType t;
  t.short_name = "tiny_hanabi";
  t.long_name = "Tiny Hanabi";
  t.min_players = 2;
  t.max_players = 10;
  t.utility = Utility::kIdentical;
  t.chance_mode = ChanceMode::kExplicitStochastic;
  t.information = Information::kImperfect;
  t.parameters = {
      int_param("num_players", 2, 2, 10, "number of players"),
      int_param("num_chance", 2, 1, 10, "kinds of private card dealt to each player"),
      int_param("num_actions", 3, 1, 10, "actions available to each player"),
      string_param("payoff", kDefaultPayoff, {},
                   "';'-separated payoffs, (num_chance*num_actions)^num_players of them: cards major, then actions, "
                   "earlier players more significant"),
  };
  t.summary = "Cooperative signalling: each player sees its own card and the earlier actions; one shared payoff";
  return t;
}

ARENA_REGISTER_GAME(make_type(), [](const GameType& t, const GameParams& p) -> GamePtr {
  return std::make_shared<TinyHanabiGame>(t, p);
});

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string action_string(int a) { return "<Action " + std::to_string(a) + ">"; }

std::vector<double> parse_payoff(const std::string& text, long long expected_size) {
  const std::string expected = "parameter 'payoff' of game 'tiny_hanabi' must be " + std::to_string(expected_size) +
                               " ';'-separated numbers ((num_chance*num_actions)^num_players)";
  std::vector<double> out;
  size_t start = 0;
  while (true) {
    const size_t semi = text.find(';', start);
    std::string token = text.substr(start, semi == std::string::npos ? std::string::npos : semi - start);
    token.erase(0, token.find_first_not_of(" \t"));
    token.erase(token.find_last_not_of(" \t") + 1);
    double v = 0;
    auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
    if (token.empty() || ec != std::errc() || ptr != token.data() + token.size() || !std::isfinite(v))
      throw Error(expected + "; '" + token + "' is not a number");
    out.push_back(v);
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  if (static_cast<long long>(out.size()) != expected_size)
    throw Error(expected + "; got " + std::to_string(out.size()) + " numbers");
  return out;
}

}  // namespace

TinyHanabiGame::TinyHanabiGame(GameType type, GameParams params) : Game(std::move(type), std::move(params)) {
  num_players_ = static_cast<int>(this->params().get_int("num_players"));
  num_chance_ = static_cast<int>(this->params().get_int("num_chance"));
  num_actions_ = static_cast<int>(this->params().get_int("num_actions"));
  long long size = 1;
  for (int i = 0; i < num_players_; ++i) {
    size *= static_cast<long long>(num_chance_) * num_actions_;
    if (size > kMaxTableSize)
      throw Error("game 'tiny_hanabi': a payoff table of (num_chance*num_actions)^num_players entries must have at "
                  "most " + std::to_string(kMaxTableSize) + " entries; lower num_players, num_chance or num_actions");
  }
  payoff_ = parse_payoff(this->params().get_string("payoff"), size);
  min_utility_ = *std::min_element(payoff_.begin(), payoff_.end());
  max_utility_ = *std::max_element(payoff_.begin(), payoff_.end());
}

double TinyHanabiGame::payoff(const std::vector<int>& cards, const std::vector<int>& actions) const {
  long long idx = 0;
  for (int c : cards) idx = idx * num_chance_ + c;
  for (int a : actions) idx = idx * num_actions_ + a;
  return payoff_[idx];
}

std::string TinyHanabiGame::rules_text() const {
  const int n = num_players_;
  std::string s =
      "1. Tiny Hanabi is a cooperative game for " + std::to_string(n) + " players: everyone receives the same "
      "score, so all players work together to make it as high as possible.\n"
      "2. Each player is dealt one private card, a number from 0 to " + std::to_string(num_chance_ - 1) +
      ", each equally likely. You see only your own card.\n"
      "3. Then each player acts once, in seat order starting with player_0: choose one action from <Action 0> to " +
      action_string(num_actions_ - 1) + ". You see every action taken before yours, but never another player's "
      "card. Actions have no meaning of their own; they matter only through the payoff table below, so they can "
      "be used to signal.\n"
      "4. After the last action the shared score is read from the table, which depends on every card and every "
      "action.\n"
      "5. Payoff table";
  if (n == 2) {
    s += " (rows: player_0's action; columns: player_1's action):\n";
    for (int c0 = 0; c0 < num_chance_; ++c0)
      for (int c1 = 0; c1 < num_chance_; ++c1) {
        s += "   Cards player_0 = " + std::to_string(c0) + ", player_1 = " + std::to_string(c1) + ":\n";
        for (int a0 = 0; a0 < num_actions_; ++a0) {
          s += "     " + action_string(a0) + ":";
          for (int a1 = 0; a1 < num_actions_; ++a1) s += " " + num(payoff({c0, c1}, {a0, a1}));
          s += "\n";
        }
      }
    return s;
  }
  s += " (cards of player_0, player_1, ... -> actions of player_0, player_1, ... : score):\n";
  std::vector<int> cards(n, 0), actions(n, 0);
  auto next = [](std::vector<int>& v, int base) {
    for (int i = static_cast<int>(v.size()) - 1; i >= 0; --i) {
      if (++v[i] < base) return true;
      v[i] = 0;
    }
    return false;
  };
  auto join = [](const std::vector<int>& v) {
    std::string out;
    for (int x : v) out += (out.empty() ? "" : " ") + std::to_string(x);
    return out;
  };
  do {
    do {
      s += "   cards " + join(cards) + " -> actions " + join(actions) + " : " + num(payoff(cards, actions)) + "\n";
    } while (next(actions, num_actions_));
  } while (next(cards, num_chance_));
  return s;
}

std::unique_ptr<State> TinyHanabiGame::new_initial_state() const {
  return std::make_unique<TinyHanabiState>(shared());
}

TinyHanabiState::TinyHanabiState(GamePtr game)
    : State(std::move(game)), th_(static_cast<const TinyHanabiGame*>(&this->game())) {}

Player TinyHanabiState::current_player() const {
  const int n = num_players();
  if (static_cast<int>(cards_.size()) < n) return kChancePlayer;
  if (static_cast<int>(actions_.size()) < n) return static_cast<Player>(actions_.size());
  return kTerminalPlayer;
}

std::vector<Action> TinyHanabiState::legal_actions() const {
  const Player p = current_player();
  if (p == kTerminalPlayer) return {};
  std::vector<Action> out(p == kChancePlayer ? th().num_chance() : th().num_actions());
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<Action>(i);
  return out;
}

std::vector<std::pair<Action, double>> TinyHanabiState::chance_outcomes() const {
  if (!is_chance_node()) return State::chance_outcomes();
  std::vector<std::pair<Action, double>> out;
  const double p = 1.0 / th().num_chance();
  for (int c = 0; c < th().num_chance(); ++c) out.emplace_back(c, p);
  return out;
}

void TinyHanabiState::do_apply_action(Action a) {
  if (is_chance_node()) cards_.push_back(static_cast<int>(a));
  else actions_.push_back(static_cast<int>(a));
}

std::vector<double> TinyHanabiState::returns() const {
  const double v = is_terminal() ? th().payoff(cards_, actions_) : 0.0;
  return std::vector<double>(num_players(), v);
}

std::string TinyHanabiState::observation_text(Player p) const {
  std::string s = "You are player_" + std::to_string(p) + " of " + std::to_string(num_players()) + ".\n";
  int line = 1;
  if (p < static_cast<int>(cards_.size()))
    s += std::to_string(line++) + ". Deal: your card is " + std::to_string(cards_[p]) + ".\n";
  else s += std::to_string(line++) + ". Deal: your card has not been dealt yet.\n";
  for (size_t i = 0; i < actions_.size(); ++i)
    s += std::to_string(line++) + ". player_" + std::to_string(i) + " chooses " + action_string(actions_[i]) + ".\n";
  if (is_terminal()) {
    s += "Cards:";
    for (size_t i = 0; i < cards_.size(); ++i)
      s += " player_" + std::to_string(i) + " had " + std::to_string(cards_[i]) + (i + 1 < cards_.size() ? "," : ".");
    s += "\nResult: every player scores " + num(returns()[0]) + ".\n";
  } else if (current_player() == p) {
    s += "Your turn: choose an action.\n";
  }
  return s;
}

// Own card (or '?' before the deal), ':', then every action so far, comma-separated: e.g. "1:2,0".
std::string TinyHanabiState::information_state(Player p) const {
  std::string s = p < static_cast<int>(cards_.size()) ? std::to_string(cards_[p]) : std::string("?");
  s += ':';
  for (size_t i = 0; i < actions_.size(); ++i) s += (i ? "," : "") + std::to_string(actions_[i]);
  return s;
}

void TinyHanabiState::observation_tensor(Player p, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  const int n = num_players();
  out[p] = 1.0f;
  if (p < static_cast<int>(cards_.size())) out[n + cards_[p]] = 1.0f;
  for (size_t i = 0; i < actions_.size(); ++i) out[n + th().num_chance() + i * th().num_actions() + actions_[i]] = 1.0f;
}

nlohmann::json TinyHanabiState::to_json(Player p) const {
  nlohmann::json j{{"player", p},
                   {"your_card", p < static_cast<int>(cards_.size()) ? cards_[p] : -1},
                   {"actions", actions_},
                   {"current_player", current_player()},
                   {"is_terminal", is_terminal()}};
  if (is_terminal()) {
    j["cards"] = cards_;
    j["returns"] = returns();
  }
  return j;
}

std::string TinyHanabiState::action_to_string(Player p, Action a) const {
  if (p == kChancePlayer) return "Deal card " + std::to_string(a);
  return action_string(static_cast<int>(a));
}

std::string TinyHanabiState::to_string() const {
  std::string s = "cards:";
  for (int c : cards_) s += " " + std::to_string(c);
  s += "  actions:";
  for (int a : actions_) s += " " + std::to_string(a);
  return s;
}

}  // namespace arena::tiny_hanabi
