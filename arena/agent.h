// The agent interface. Agents are batched: one call receives the pending decisions of many concurrent matches and
// answers each, so a neural or language-model agent runs one forward pass per tick.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "games/api/game.h"
#include "games/api/params.h"

namespace arena {

struct DecisionRequest {
  const State* state = nullptr;  // state->current_player() == player
  Player player = 0;
  std::uint64_t match_id = 0;    // stable index of the match within its run
  // Randomness for this decision: agents draw from Rng(seed) so answers do not depend on batch composition,
  // thread count or which other matches are in flight.
  std::uint64_t seed = 0;
  int attempt = 0;               // 0 on the first ask; >0 when retrying after an invalid answer
  std::string error;             // why the previous answer was rejected (shown to text agents on retry)
};

struct Decision {
  Action action = -1;                  // the chosen action; text agents may leave it -1 and answer in `text`
  std::optional<std::string> text;     // raw response of a text agent; the runner parses it
  std::optional<double> logprob;       // log-probability of the chosen action under the agent's policy
  std::string meta_json;               // optional agent-specific metadata (JSON object text)
  // Set by an agent whose answer is not usable (a text agent's response it could not parse, a prompt too long for
  // its model): the runner then treats the decision as invalid for this reason (retry, then forfeit) and keeps
  // `text` as the refused raw response.
  std::string error;
};

class Agent {
 public:
  virtual ~Agent() = default;
  // The canonical spec string, e.g. "mcts(sims=100)".
  virtual std::string spec() const = 0;
  // One decision per request, in order.
  virtual std::vector<Decision> act(std::span<const DecisionRequest> requests) = 0;
  // True for agents that answer in text (retries and forfeits apply to them).
  virtual bool answers_in_text() const { return false; }
  // True when act() may run concurrently on disjoint batches (stateless CPU agents); the runner then splits a batch
  // across its threads. Agents that batch internally (one forward pass) keep the default.
  virtual bool thread_safe() const { return false; }
  // Called once for each game the agent is about to play, before anything runs or is written: throws arena::Error
  // when the agent cannot play that game (a solver on a game it cannot solve, a scripted player for another game).
  virtual void prepare(const Game& game) {}
  // The agent's probabilities over state.legal_actions() at `player`'s decision, when it can state them (random,
  // tabular and solver policies, neural policies); exact exploitability of an agent needs them.
  virtual std::optional<std::vector<double>> action_probabilities(const State& state, Player player) {
    return std::nullopt;
  }
};

using AgentPtr = std::unique_ptr<Agent>;

struct AgentKind {
  std::string name;
  std::string help;
  std::vector<ParamSpec> parameters;
  std::function<AgentPtr(const GameParams& params, const std::string& canonical_spec)> factory;
};

class AgentRegistry {
 public:
  static AgentRegistry& global();
  void add(AgentKind kind);  // throws arena::Error on a duplicate name
  const AgentKind* find(std::string_view name) const;
  std::vector<const AgentKind*> kinds() const;
  // `random`, `mcts(sims=100)`, ...: unknown agent, unknown parameter or bad value throw arena::Error.
  AgentPtr make(std::string_view spec) const;

 private:
  std::vector<AgentKind> kinds_;
};

inline AgentPtr make_agent(std::string_view spec) { return AgentRegistry::global().make(spec); }

}  // namespace arena
