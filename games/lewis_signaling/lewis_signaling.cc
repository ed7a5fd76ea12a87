#include "games/lewis_signaling/lewis_signaling.h"

#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "games/api/registry.h"

namespace arena::lewis_signaling {
namespace {

GameType make_type() {
  GameType t;
  t.short_name = "lewis_signaling";
  t.long_name = "Lewis Signaling Game";
  t.utility = Utility::kIdentical;
  t.chance_mode = ChanceMode::kExplicitStochastic;
  t.information = Information::kImperfect;
  t.parameters = {
      int_param("num_states", 3, 1, 64, "number of states chance draws from (and of receiver actions)"),
      int_param("num_messages", 3, 1, 64, "number of messages the sender can send"),
      string_param("payoffs", "", {},
                   "num_states*num_states comma-separated payoffs, row = state, column = receiver action; empty: "
                   "1 when the action equals the state, else 0"),
  };
  t.presets = {{"bottleneck", "num_states=4,num_messages=2", "four states but only two messages"}};
  t.summary = "Sender sees a random state and sends a message; receiver acts on the message; shared payoff";
  return t;
}

ARENA_REGISTER_GAME(make_type(), [](const GameType& t, const GameParams& p) -> GamePtr {
  return std::make_shared<LewisSignalingGame>(t, p);
});

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// Parses "a, b, c, ..." into exactly n numbers; an empty text gives the identity table of size `states`.
std::vector<double> parse_payoffs(const std::string& text, int states) {
  const int n = states * states;
  std::vector<double> out;
  if (trim(text).empty()) {
    out.assign(n, 0.0);
    for (int s = 0; s < states; ++s) out[s * states + s] = 1.0;
    return out;
  }
  const std::string expected = "parameter 'payoffs' of game 'lewis_signaling' must be " + std::to_string(n) +
                               " comma-separated numbers (num_states*num_states, row = state, column = receiver "
                               "action) or empty";
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string token = trim(std::string_view(text).substr(start, comma == std::string::npos ? std::string::npos
                                                                                                   : comma - start));
    double v = 0;
    auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
    if (token.empty() || ec != std::errc() || ptr != token.data() + token.size())
      throw Error(expected + "; '" + token + "' is not a number");
    out.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (static_cast<int>(out.size()) != n) throw Error(expected + "; got " + std::to_string(out.size()) + " numbers");
  return out;
}

std::string message_string(int m) { return "<MESSAGE " + std::to_string(m) + ">"; }
std::string action_string(int a) { return "<ACTION " + std::to_string(a) + ">"; }

}  // namespace

LewisSignalingGame::LewisSignalingGame(GameType type, GameParams params)
    : Game(std::move(type), std::move(params)) {
  num_states_ = static_cast<int>(this->params().get_int("num_states"));
  num_messages_ = static_cast<int>(this->params().get_int("num_messages"));
  payoffs_ = parse_payoffs(this->params().get_string("payoffs"), num_states_);
}

double LewisSignalingGame::min_utility() const { return *std::min_element(payoffs_.begin(), payoffs_.end()); }
double LewisSignalingGame::max_utility() const { return *std::max_element(payoffs_.begin(), payoffs_.end()); }

std::string LewisSignalingGame::rules_text() const {
  const std::string ns = std::to_string(num_states_), nm = std::to_string(num_messages_);
  std::string s =
      "1. The Lewis signaling game is a cooperative two-player game: both players always receive the same payoff.\n"
      "2. Chance draws a state uniformly at random from 0 to " + std::to_string(num_states_ - 1) + " (" + ns +
      " states). Only player_0, the sender, sees it.\n"
      "3. The sender sends one message, <MESSAGE 0> to <MESSAGE " + std::to_string(num_messages_ - 1) + "> (" + nm +
      " messages). Messages have no meaning in advance; the players must agree on what they mean.\n"
      "4. Player_1, the receiver, sees only the message (never the state) and chooses an action, <ACTION 0> to "
      "<ACTION " + std::to_string(num_states_ - 1) + ">. Then the game ends.\n"
      "5. Both players get the payoff in the table below for the state (row) and the receiver's action (column):\n";
  s += "   state\\action";
  for (int a = 0; a < num_states_; ++a) s += " " + std::to_string(a);
  s += "\n";
  for (int st = 0; st < num_states_; ++st) {
    s += "   " + std::to_string(st) + ":";
    for (int a = 0; a < num_states_; ++a) s += " " + num(payoff(st, a));
    s += "\n";
  }
  return s;
}

std::unique_ptr<State> LewisSignalingGame::new_initial_state() const {
  return std::make_unique<LewisSignalingState>(shared());
}

LewisSignalingState::LewisSignalingState(GamePtr game) : State(std::move(game)) {}

Player LewisSignalingState::current_player() const {
  if (state_ < 0) return kChancePlayer;
  if (message_ < 0) return 0;
  if (action_ < 0) return 1;
  return kTerminalPlayer;
}

std::vector<Action> LewisSignalingState::legal_actions() const {
  int n = 0;
  switch (current_player()) {
    case kChancePlayer:
    case 1: n = lewis().num_states(); break;
    case 0: n = lewis().num_messages(); break;
    default: break;
  }
  std::vector<Action> out(n);
  for (int i = 0; i < n; ++i) out[i] = i;
  return out;
}

std::vector<std::pair<Action, double>> LewisSignalingState::chance_outcomes() const {
  if (!is_chance_node()) return State::chance_outcomes();
  const int n = lewis().num_states();
  std::vector<std::pair<Action, double>> out;
  for (int i = 0; i < n; ++i) out.emplace_back(i, 1.0 / n);
  return out;
}

void LewisSignalingState::do_apply_action(Action a) {
  if (state_ < 0) state_ = static_cast<int>(a);
  else if (message_ < 0) message_ = static_cast<int>(a);
  else action_ = static_cast<int>(a);
}

std::vector<double> LewisSignalingState::returns() const {
  if (action_ < 0) return {0.0, 0.0};
  const double v = lewis().payoff(state_, action_);
  return {v, v};
}

std::string LewisSignalingState::observation_text(Player p) const {
  std::string s = p == 0 ? "You are player_0, the sender.\n" : "You are player_1, the receiver.\n";
  if (state_ < 0) return s + "The state has not been drawn yet.\n";
  if (p == 0) s += "The state is " + std::to_string(state_) + ".\n";
  else s += "A state has been drawn; only the sender sees it.\n";
  if (message_ < 0) return s + (p == 0 ? "Your turn: choose a message.\n" : "The sender is choosing a message.\n");
  s += std::string(p == 0 ? "You sent " : "The sender sent ") + message_string(message_) + ".\n";
  if (action_ < 0) return s + (p == 1 ? "Your turn: choose an action.\n" : "The receiver is choosing an action.\n");
  s += std::string(p == 1 ? "You chose " : "The receiver chose ") + action_string(action_) + ".\n";
  s += "Payoff for both players: " + num(returns()[0]) + ".\n";
  return s;
}

// Sender: "s<state>|m<message>|a<action>"; receiver: "m<message>|a<action>" (parts appear as they happen).
std::string LewisSignalingState::information_state(Player p) const {
  std::string s;
  if (p == 0 && state_ >= 0) s = "s" + std::to_string(state_);
  if (message_ >= 0) s += (s.empty() ? "m" : "|m") + std::to_string(message_);
  if (action_ >= 0) s += "|a" + std::to_string(action_);
  return s;
}

void LewisSignalingState::observation_tensor(Player p, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  const int ns = lewis().num_states(), nm = lewis().num_messages();
  out[p] = 1.0f;
  const Player cur = current_player();
  if (cur >= 0) out[2 + cur] = 1.0f;
  if (cur == kTerminalPlayer) out[4] = 1.0f;
  if (p == 0 && state_ >= 0) out[5 + state_] = 1.0f;
  if (message_ >= 0) out[5 + ns + message_] = 1.0f;
  if (action_ >= 0) out[5 + ns + nm + action_] = 1.0f;
}

nlohmann::json LewisSignalingState::to_json(Player p) const {
  nlohmann::json j{{"player", p},
                   {"role", p == 0 ? "sender" : "receiver"},
                   {"num_states", lewis().num_states()},
                   {"num_messages", lewis().num_messages()},
                   {"current_player", current_player()},
                   {"is_terminal", is_terminal()}};
  if (p == 0 && state_ >= 0) j["state"] = state_;
  if (message_ >= 0) j["message"] = message_;
  if (action_ >= 0) {
    j["action"] = action_;
    j["returns"] = returns();
  }
  return j;
}

std::string LewisSignalingState::action_to_string(Player p, Action a) const {
  const int i = static_cast<int>(a);
  if (p == kChancePlayer) return "State " + std::to_string(i);
  return p == 0 ? message_string(i) : action_string(i);
}

std::string LewisSignalingState::to_string() const {
  auto part = [](int v) { return v < 0 ? std::string("-") : std::to_string(v); };
  return "state: " + part(state_) + "  message: " + part(message_) + "  action: " + part(action_);
}

}  // namespace arena::lewis_signaling
