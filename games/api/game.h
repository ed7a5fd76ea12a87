// The game engine API: immutable Game (rules, parameters, sizes) and mutable State.
//
// A match is exactly its game string plus its action list: chance is a player (kChancePlayer) whose outcomes are
// chosen by whoever drives the state (with a seeded RNG) and recorded in the history like any other action.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "games/api/params.h"

namespace arena {

using Action = std::int64_t;
using Player = int;
inline constexpr Player kChancePlayer = -1;
inline constexpr Player kTerminalPlayer = -4;

enum class Utility {
  kZeroSum,      // returns sum to 0
  kConstantSum,  // returns sum to a constant
  kIdentical,    // cooperative: every player gets the same return
  kGeneralSum,
};
enum class ChanceMode { kDeterministic, kExplicitStochastic };
enum class Information { kPerfect, kImperfect };

std::string_view to_string(Utility u);
std::string_view to_string(ChanceMode c);
std::string_view to_string(Information i);

// A named parameter set, e.g. Hanabi's "mini": colors=2,ranks=2,...
struct Preset {
  std::string name;
  std::string params;  // "key=value,key=value"
  std::string description;
};

struct GameType {
  std::string short_name;        // registry key, e.g. "kuhn_poker"
  std::string long_name;         // display name, e.g. "Kuhn Poker"
  int min_players = 2;
  int max_players = 2;
  Utility utility = Utility::kZeroSum;
  ChanceMode chance_mode = ChanceMode::kDeterministic;
  Information information = Information::kPerfect;
  std::vector<ParamSpec> parameters;
  std::vector<Preset> presets;   // selected with `preset=NAME` in the game string
  std::string summary;           // one line for `arena games`
};

class State;

class Game : public std::enable_shared_from_this<Game> {
 public:
  Game(GameType type, GameParams params);
  virtual ~Game();
  Game(const Game&) = delete;
  Game& operator=(const Game&) = delete;

  const GameType& type() const { return type_; }
  const GameParams& params() const { return params_; }

  // Canonical game string: short name plus every parameter that differs from its default, in spec order.
  // load_game(g.to_string()) rebuilds an equal game.
  std::string to_string() const;

  virtual int num_players() const = 0;
  // Player actions are integers in [0, num_distinct_actions()).
  virtual int num_distinct_actions() const = 0;
  // Chance outcomes are integers in [0, max_chance_outcomes()); 0 for deterministic games.
  virtual int max_chance_outcomes() const { return 0; }
  // Upper bound on the number of actions in a history, chance outcomes included.
  virtual int max_game_length() const = 0;
  virtual std::vector<int> observation_tensor_shape() const = 0;
  int observation_tensor_size() const;
  virtual double min_utility() const = 0;
  virtual double max_utility() const = 0;
  // Rules written for a reader (human or language model) who has never seen the game.
  virtual std::string rules_text() const = 0;
  virtual std::unique_ptr<State> new_initial_state() const = 0;

  std::shared_ptr<const Game> shared() const { return shared_from_this(); }

 private:
  GameType type_;
  GameParams params_;
};

using GamePtr = std::shared_ptr<const Game>;

class State {
 public:
  explicit State(GamePtr game);
  virtual ~State();

  const Game& game() const { return *game_; }
  const GamePtr& game_ptr() const { return game_; }
  int num_players() const { return num_players_; }

  // kChancePlayer at chance nodes, kTerminalPlayer once the game is over, else the acting player.
  virtual Player current_player() const = 0;
  bool is_terminal() const { return current_player() == kTerminalPlayer; }
  bool is_chance_node() const { return current_player() == kChancePlayer; }

  // Strictly increasing; at chance nodes, the outcomes with positive probability; empty at terminal states.
  virtual std::vector<Action> legal_actions() const = 0;
  bool is_legal(Action a) const;
  // (outcome, probability) pairs at a chance node, sorted by outcome; probabilities are positive and sum to 1.
  virtual std::vector<std::pair<Action, double>> chance_outcomes() const;

  // Applies a legal action (or chance outcome); an illegal one throws arena::Error and leaves the state unchanged.
  void apply_action(Action a);
  // Skips the legality check: for hot loops whose action comes straight from legal_actions().
  void apply_action_unchecked(Action a) {
    do_apply_action(a);
    history_.push_back(a);
  }

  // Rewards of every player for the most recent transition (zeros before the first action). Summed over a history
  // they equal returns(): turn-level credit assignment reads these.
  virtual std::vector<double> rewards() const;
  // Cumulative returns of every player so far (final returns at a terminal state).
  virtual std::vector<double> returns() const = 0;

  const std::vector<Action>& history() const { return history_; }
  int move_number() const { return static_cast<int>(history_.size()); }
  virtual std::unique_ptr<State> clone() const = 0;

  // ---- Views of player p. None reveals another player's private information. ----
  // What a language model reads: the state as p sees it (for poker, the numbered betting history too).
  virtual std::string observation_text(Player p) const = 0;
  // A perfect-recall key for p's information set (tabular policies, CFR). Perfect-information games default to the
  // action history; imperfect-information games override.
  virtual std::string information_state(Player p) const;
  // What a network reads: a flat float tensor of observation_tensor_size() values.
  virtual void observation_tensor(Player p, std::span<float> out) const = 0;
  std::vector<float> observation_tensor(Player p) const;
  // What tools read: a structured view.
  virtual nlohmann::json to_json(Player p) const = 0;

  // Action strings, exact (e.g. "<X(0,0)>", "<BET>"). `p` is the acting player, kChancePlayer for chance outcomes.
  virtual std::string action_to_string(Player p, Action a) const = 0;
  // Inverse of action_to_string over the legal actions; tolerant of surrounding whitespace only.
  virtual std::optional<Action> string_to_action(Player p, std::string_view text) const;

  // Whole state as an omniscient observer sees it (debugging, replay).
  virtual std::string to_string() const = 0;

  // At a chance node: true when the outcome about to be drawn stays hidden from player p (a card dealt to another
  // player, or Hanabi's card dealt to p's own hand). The conformance suite uses it to check that p's views do not
  // depend on such outcomes.
  virtual bool chance_outcome_hidden_from(Player p) const { return false; }

  // What player p stands to lose by forfeiting now; MARS's invalid-action penalty is -forfeit_loss(p) - 10. Default:
  // the magnitude of the worst utility (1 in win/lose games); poker games return p's chips in the pot.
  virtual double forfeit_loss(Player p) const;

  // Game string on the first line, space-separated action ids on the second.
  std::string serialize() const;

 protected:
  virtual void do_apply_action(Action a) = 0;
  State(const State&) = default;
  State& operator=(const State&) = default;

 private:
  GamePtr game_;
  int num_players_;
  std::vector<Action> history_;
};

// Rebuilds a state from State::serialize() output; throws arena::Error on malformed text or an illegal action.
std::unique_ptr<State> deserialize_state(std::string_view text);

// Applies `actions` to a fresh initial state of `game`; throws arena::Error naming the first illegal one.
std::unique_ptr<State> replay(const Game& game, std::span<const Action> actions);

}  // namespace arena
