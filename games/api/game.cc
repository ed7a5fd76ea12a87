#include "games/api/game.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <numeric>

#include <nlohmann/json.hpp>

#include "games/api/registry.h"

namespace arena {

std::string_view to_string(Utility u) {
  switch (u) {
    case Utility::kZeroSum: return "zero-sum";
    case Utility::kConstantSum: return "constant-sum";
    case Utility::kIdentical: return "cooperative";
    case Utility::kGeneralSum: return "general-sum";
  }
  return "?";
}
std::string_view to_string(ChanceMode c) {
  return c == ChanceMode::kDeterministic ? "deterministic" : "chance";
}
std::string_view to_string(Information i) {
  return i == Information::kPerfect ? "perfect" : "imperfect";
}

Game::Game(GameType type, GameParams params) : type_(std::move(type)), params_(std::move(params)) {}
Game::~Game() = default;

std::string Game::to_string() const {
  std::string args;
  for (const auto& spec : type_.parameters) {
    auto it = params_.values().find(spec.name);
    if (it == params_.values().end() || it->second == spec.default_value) continue;
    args += (args.empty() ? "" : ",") + spec.name + "=" + param_value_to_string(it->second);
  }
  return args.empty() ? type_.short_name : type_.short_name + "(" + args + ")";
}

int Game::observation_tensor_size() const {
  auto shape = observation_tensor_shape();
  return std::accumulate(shape.begin(), shape.end(), 1, std::multiplies<int>());
}

State::State(GamePtr game) : game_(std::move(game)), num_players_(game_->num_players()) {}
State::~State() = default;

bool State::is_legal(Action a) const {
  auto legal = legal_actions();
  return std::binary_search(legal.begin(), legal.end(), a);
}

std::vector<std::pair<Action, double>> State::chance_outcomes() const {
  throw Error("chance_outcomes() called on a state of " + game_->to_string() + " that is not a chance node");
}

void State::apply_action(Action a) {
  if (is_terminal()) throw Error("cannot apply action " + std::to_string(a) + ": the game is over");
  auto legal = legal_actions();
  if (!std::binary_search(legal.begin(), legal.end(), a)) {
    std::string list;
    for (size_t i = 0; i < legal.size() && i < 40; ++i) list += (i ? " " : "") + std::to_string(legal[i]);
    if (legal.size() > 40) list += " ...";
    Player p = current_player();
    throw Error("illegal " + std::string(p == kChancePlayer ? "chance outcome " : "action ") + std::to_string(a) +
                (p >= 0 ? " for player " + std::to_string(p) : std::string()) + " in " + game_->to_string() +
                " after " + std::to_string(history_.size()) + " moves; legal: " + list);
  }
  do_apply_action(a);
  history_.push_back(a);
}

std::vector<double> State::rewards() const {
  if (is_terminal()) return returns();
  return std::vector<double>(num_players_, 0.0);
}

double State::forfeit_loss(Player) const {
  return game_->min_utility() < 0 ? -game_->min_utility() : 0.0;
}

std::string State::information_state(Player p) const {
  std::string out;
  for (Action a : history_) {
    out += std::to_string(a);
    out += ' ';
  }
  return out;
}

std::vector<float> State::observation_tensor(Player p) const {
  std::vector<float> out(game_->observation_tensor_size(), 0.0f);
  observation_tensor(p, out);
  return out;
}

std::optional<Action> State::string_to_action(Player p, std::string_view text) const {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  for (Action a : legal_actions())
    if (action_to_string(p, a) == text) return a;
  return std::nullopt;
}

std::string State::serialize() const {
  std::string out = game_->to_string();
  out += '\n';
  for (size_t i = 0; i < history_.size(); ++i) {
    if (i) out += ' ';
    out += std::to_string(history_[i]);
  }
  return out;
}

std::unique_ptr<State> replay(const Game& game, std::span<const Action> actions) {
  auto state = game.new_initial_state();
  for (size_t i = 0; i < actions.size(); ++i) {
    try {
      state->apply_action(actions[i]);
    } catch (const Error& e) {
      throw Error("move " + std::to_string(i + 1) + " of the history: " + e.what());
    }
  }
  return state;
}

std::unique_ptr<State> deserialize_state(std::string_view text) {
  size_t nl = text.find('\n');
  std::string_view game_line = text.substr(0, nl);
  std::string_view actions_line = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  if (game_line.empty()) throw Error("serialized state is empty; expected a game string line and an action line");
  GamePtr game = load_game(game_line);
  std::vector<Action> actions;
  size_t i = 0;
  while (i < actions_line.size()) {
    char c = actions_line[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < actions_line.size() && !std::isspace(static_cast<unsigned char>(actions_line[j]))) ++j;
    std::string_view tok = actions_line.substr(i, j - i);
    Action a = 0;
    auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), a);
    if (ec != std::errc() || p != tok.data() + tok.size())
      throw Error("serialized state for " + game->to_string() + ": '" + std::string(tok) +
                  "' is not an action id (expected space-separated integers)");
    actions.push_back(a);
    i = j;
  }
  return replay(*game, actions);
}

}  // namespace arena
