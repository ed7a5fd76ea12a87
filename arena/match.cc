#include "arena/match.h"

#include "games/api/rng.h"

namespace arena {

MatchResult play_match(const Game& game, std::span<Agent* const> seats, std::uint64_t seed,
                       const std::function<void(const State&, const TurnRecord&)>& on_turn) {
  if (static_cast<int>(seats.size()) != game.num_players())
    throw Error(game.to_string() + " needs " + std::to_string(game.num_players()) + " agents, got " +
                std::to_string(seats.size()));
  MatchResult result;
  result.game = game.to_string();
  result.seed = seed;
  Rng chance_rng(derive_seed(seed, 0));
  auto state = game.new_initial_state();
  while (!state->is_terminal()) {
    TurnRecord rec;
    rec.ply = state->move_number();
    rec.player = state->current_player();
    if (state->is_chance_node()) {
      rec.action = chance_rng.sample(state->chance_outcomes());
    } else {
      Agent* agent = seats[rec.player];
      DecisionRequest req;
      req.state = state.get();
      req.player = rec.player;
      req.seed = derive_seed(seed, 1 + static_cast<std::uint64_t>(rec.ply));
      auto decisions = agent->act(std::span<const DecisionRequest>(&req, 1));
      if (decisions.size() != 1) throw Error("agent " + agent->spec() + " returned no decision");
      const Decision& d = decisions[0];
      rec.action = d.action;
      if (d.action < 0 && d.text) {
        auto parsed = state->string_to_action(rec.player, *d.text);
        if (!parsed) throw Error("agent " + agent->spec() + " answered '" + *d.text + "', not a legal action");
        rec.action = *parsed;
      }
      if (!state->is_legal(rec.action))
        throw Error("agent " + agent->spec() + " chose illegal action " + std::to_string(rec.action));
    }
    rec.action_text = state->action_to_string(rec.player, rec.action);
    state->apply_action(rec.action);
    rec.rewards = state->rewards();
    if (on_turn) on_turn(*state, rec);
    result.turns.push_back(std::move(rec));
  }
  result.history = state->history();
  result.returns = state->returns();
  return result;
}

}  // namespace arena
