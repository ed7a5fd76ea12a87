#include "agents/hanabi_rules_agent.h"

#include "games/hanabi/hanabi.h"

namespace arena {
namespace {

using hanabi::CardKnowledge;
using hanabi::HanabiGame;
using hanabi::HanabiState;

// Every (color, rank) still possible for a card satisfies `pred`.
template <typename Pred>
bool all_possible(const CardKnowledge& k, const hanabi::Config& cfg, Pred pred) {
  bool any = false;
  for (int c = 0; c < cfg.colors; ++c) {
    if (!(k.colors >> c & 1)) continue;
    for (int r = 0; r < cfg.ranks; ++r) {
      if (!(k.ranks >> r & 1)) continue;
      any = true;
      if (!pred(c, r)) return false;
    }
  }
  return any;
}

}  // namespace

Action HanabiRulesAgent::choose(const State& state, Player p) const {
  const auto* s = dynamic_cast<const HanabiState*>(&state);
  if (!s) throw Error("agent hanabi_rules plays only hanabi, not " + state.game().to_string());
  const auto& game = static_cast<const HanabiGame&>(state.game());
  const auto& cfg = game.config();
  const int hs = cfg.hand_size;
  auto legal = [&](Action a) { return s->is_legal(a); };
  auto playable = [&](int c, int r) { return s->firework(c) == r; };
  auto useless = [&](int c, int r) { return r < s->firework(c); };

  // 1. A card proven playable.
  for (int i = 0; i < s->hand_length(p); ++i)
    if (all_possible(s->knowledge(p, i), cfg, playable) && legal(hs + i)) return hs + i;
  // 2. Tell the nearest teammate about a playable card they do not know about.
  if (s->information_tokens() > 0) {
    for (int k = 1; k < cfg.players; ++k) {
      const Player q = (p + k) % cfg.players;
      for (int i = 0; i < s->hand_length(q); ++i) {
        const int card = s->card(q, i);
        const int c = card / cfg.ranks, r = card % cfg.ranks;
        const auto& know = s->knowledge(q, i);
        if (!playable(c, r) || all_possible(know, cfg, playable)) continue;
        const Action rank_hint = 2 * hs + (cfg.players - 1) * cfg.colors + (k - 1) * cfg.ranks + r;
        const Action color_hint = 2 * hs + (k - 1) * cfg.colors + c;
        if (know.rank < 0 && legal(rank_hint)) return rank_hint;
        if (know.color < 0 && legal(color_hint)) return color_hint;
      }
    }
  }
  // 3. Discard: a card proven useless, else the oldest card nobody hinted.
  if (s->information_tokens() < cfg.max_info) {
    for (int i = 0; i < s->hand_length(p); ++i)
      if (all_possible(s->knowledge(p, i), cfg, useless) && legal(i)) return i;
    for (int i = 0; i < s->hand_length(p); ++i) {
      const auto& k = s->knowledge(p, i);
      if (k.color < 0 && k.rank < 0 && legal(i)) return i;
    }
    if (legal(0)) return 0;
  }
  // 4. Any hint (tokens are at the maximum here, so one is affordable), else play the oldest card.
  for (Action a : s->legal_actions())
    if (a >= 2 * hs) return a;
  return s->legal_actions().front();
}

std::vector<Decision> HanabiRulesAgent::act(std::span<const DecisionRequest> requests) {
  std::vector<Decision> out(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) out[i].action = choose(*requests[i].state, requests[i].player);
  return out;
}

}  // namespace arena
