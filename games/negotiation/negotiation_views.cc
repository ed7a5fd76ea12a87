// Player views and action strings of Simple Negotiation. Inventories and every action are public; a player's values
// appear only in that player's own views.
#include <cctype>

#include <nlohmann/json.hpp>

#include "games/negotiation/negotiation.h"

namespace arena::negotiation {
namespace {

std::string player_name(Player p) { return "player_" + std::to_string(p); }

std::string signed_number(int x) { return (x > 0 ? "+" : "") + std::to_string(x); }

}  // namespace

std::string side_text(const Counts& d, int resources, int sign) {
  std::string s;
  for (int i = 0; i < resources; ++i) {
    if (sign * d[i] <= 0) continue;
    s += (s.empty() ? "" : " and ") + std::to_string(sign * d[i]) + " " + resource_name(i);
  }
  return s.empty() ? "nothing" : s;
}

std::string NegotiationState::action_to_string(Player p, Action a) const {
  if (p == kChancePlayer) {
    if (setup_done()) return "Deal ?";
    int kind, resource;
    Player owner;
    chance_slot(kind, owner, resource);
    return std::string(kind == 0 ? "Quantity" : "Value") + " of " + resource_name(resource) + " for " +
           player_name(owner) + ": " + std::to_string(a);
  }
  if (a < 0 || a >= neg().num_distinct_actions()) return "<?>";
  return neg().action_name(a);
}

std::optional<Action> NegotiationState::string_to_action(Player p, std::string_view text) const {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  auto a = neg().action_id(text);
  if (!a || p != current_player() || !player_action_legal(*a)) return std::nullopt;
  return a;
}

std::string NegotiationState::trade_text(Player from, const Counts& d, bool proposed) const {
  return player_name(from) + (proposed ? " would give " : " gave ") + side_text(d, R(), +1) + " to " +
         player_name(1 - from) + (proposed ? " and receive " : " and received ") + side_text(d, R(), -1) +
         " in return";
}

// With `zero_unknown`, zero entries read "?": dealt quantities and values are never 0 (inventories after trades
// can be).
std::string NegotiationState::counts_text(const Counts& c, bool zero_unknown) const {
  std::string s;
  for (int i = 0; i < R(); ++i)
    s += std::string(i ? ", " : "") + resource_name(i) + " " + (c[i] || !zero_unknown ? std::to_string(c[i]) : "?");
  return s;
}

std::string NegotiationState::move_text(size_t t) const {
  const Move& m = moves_[t];
  const std::string who = player_name(m.player);
  if (m.action == kAccept) {
    // An accepted offer is always the move just before the acceptance.
    const Move& offer = moves_[t - 1];
    Counts d{};
    neg().decode_offer(offer.action, d);
    return who + " chooses <Accept>: " + trade_text(offer.player, d, false);
  }
  if (m.action == kDeny) return who + " chooses <Deny>";
  if (m.action < neg().offer_base()) return who + " says " + action_to_string(m.player, m.action);
  return who + " offers " + neg().action_name(m.action);
}

std::string NegotiationState::observation_text(Player p) const {
  const int r = R();
  std::string names;
  for (int i = 0; i < r; ++i) names += std::string(i ? ", " : "") + resource_name(i);
  std::string s = "You are " + player_name(p) + " in Simple Negotiation (" + std::to_string(neg().max_turns()) +
                  " turns in total; resources: " + names + ").\n";
  s += "Your private values per unit: " + counts_text(val_[p], true) + ". The other player's values are hidden from you.\n";
  s += "Inventories (public):\n";
  for (Player q = 0; q < 2; ++q) {
    s += "  " + player_name(q) + (q == p ? " (you)" : "") + ": ";
    s += setup_done() ? counts_text(inv_[q]) + " (started with " + counts_text(init_[q]) + ")\n"
                      : counts_text(init_[q], true) + "\n";
  }
  if (!setup_done()) {
    s += "Setup: starting inventories and values are still being dealt.\n";
    return s;
  }
  int start_value = 0;
  for (int i = 0; i < r; ++i) start_value += val_[p][i] * init_[p][i];
  s += "Your inventory value: " + std::to_string(start_value + gain(p)) + " (started at " +
       std::to_string(start_value) + "); your gain so far: " + signed_number(gain(p)) + ".\n";
  if (!moves_.empty()) s += "History:\n";
  for (size_t t = 0; t < moves_.size(); ++t)
    s += std::to_string(t + 1) + ". Turn " + std::to_string(t + 1) + ": " + move_text(t) + ".\n";
  if (is_terminal()) {
    const auto ret = returns();
    s += "The game is over. ";
    if (neg().general_sum())
      s += "Returns (each player's gain): player_0 " + signed_number(static_cast<int>(ret[0])) + ", player_1 " +
           signed_number(static_cast<int>(ret[1])) + ".\n";
    else if (ret[0] == 0)
      s += "Result: draw (equal gains); both score 0.\n";
    else
      s += "Result: " + player_name(ret[0] > 0 ? 0 : 1) + " wins (+1), " + player_name(ret[0] > 0 ? 1 : 0) +
           " loses (-1).\n";
    return s;
  }
  if (offer_from_ >= 0) {
    if (offer_from_ == p)
      s += "Your offer stands: " + trade_text(p, offer_, true) + " if " + player_name(1 - p) + " accepts.\n";
    else
      s += "Standing offer to you: " + trade_text(offer_from_, offer_, true) + ". You may <Accept> it" +
           (can_afford(p, offer_, -1) ? "" : " (not now: you do not hold what it asks)") + " or <Deny> it.\n";
  }
  const Player cur = current_player();
  s += "Turn " + std::to_string(turns_played() + 1) + " of " + std::to_string(neg().max_turns()) + ": " +
       (cur == p ? std::string("your turn") : player_name(cur) + "'s turn") + ".\n";
  return s;
}

// The history with the chance outcomes hidden from p replaced by '?': equal keys mean equal knowledge.
std::string NegotiationState::information_state(Player p) const {
  const int r = R();
  std::string s = std::to_string(p) + "|";
  const auto& h = history();
  for (size_t k = 0; k < h.size(); ++k) {
    const bool hidden = static_cast<int>(k) >= 2 * r && static_cast<int>(k) < 4 * r &&
                        (static_cast<int>(k) - 2 * r) / r != p;
    s += (k ? " " : "") + (hidden ? std::string("?") : std::to_string(h[k]));
  }
  return s;
}

void NegotiationState::observation_tensor(Player p, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  const int r = R();
  const Player o = 1 - p;
  out[p] = 1;
  out[2] = static_cast<float>(turns_played());
  out[3] = static_cast<float>(neg().max_turns() - turns_played());
  for (int i = 0; i < r; ++i) {
    out[4 + i] = static_cast<float>(val_[p][i]);
    out[4 + r + i] = static_cast<float>(inv_[p][i]);
    out[4 + 2 * r + i] = static_cast<float>(init_[p][i]);
    out[4 + 3 * r + i] = static_cast<float>(inv_[o][i]);
    out[4 + 4 * r + i] = static_cast<float>(init_[o][i]);
  }
  const int offer_at = 4 + 5 * r;
  if (offer_from_ >= 0) {
    out[offer_at + (offer_from_ == p ? 1 : 0)] = 1;
    for (int i = 0; i < r; ++i) {
      out[offer_at + 2 + i] = static_cast<float>(std::max(0, offer_[i]));
      out[offer_at + 2 + r + i] = static_cast<float>(std::max(0, -offer_[i]));
    }
  }
  // The opponent's latest action by kind: accept, deny, each message, offer.
  const int last_at = 6 + 7 * r;
  for (auto it = moves_.rbegin(); it != moves_.rend(); ++it) {
    if (it->player != o) continue;
    const Action a = it->action;
    out[last_at + (a < neg().offer_base() ? static_cast<int>(a) : 3 + 2 * r)] = 1;
    break;
  }
  out[10 + 9 * r] = current_player() == p ? 1.0f : 0.0f;
  out[11 + 9 * r] = is_terminal() ? 1.0f : 0.0f;
}

nlohmann::json NegotiationState::to_json(Player p) const {
  const int r = R();
  auto counts = [r](const Counts& c) {
    nlohmann::json j = nlohmann::json::object();
    for (int i = 0; i < r; ++i) j[resource_name(i)] = c[i];
    return j;
  };
  nlohmann::json names = nlohmann::json::array();
  for (int i = 0; i < r; ++i) names.push_back(resource_name(i));
  nlohmann::json your_values = nlohmann::json::object();
  for (int i = 0; i < r; ++i)
    your_values[resource_name(i)] = val_[p][i] ? nlohmann::json(val_[p][i]) : nlohmann::json(nullptr);
  nlohmann::json history = nlohmann::json::array();
  for (size_t t = 0; t < moves_.size(); ++t)
    history.push_back({{"turn", t + 1},
                       {"player", moves_[t].player},
                       {"action", action_to_string(moves_[t].player, moves_[t].action)}});
  nlohmann::json offer = nullptr;
  if (offer_from_ >= 0) {
    Counts give{}, receive{};
    for (int i = 0; i < r; ++i) {
      give[i] = std::max(0, offer_[i]);
      receive[i] = std::max(0, -offer_[i]);
    }
    offer = {{"from", offer_from_}, {"give", counts(give)}, {"receive", counts(receive)}};
  }
  nlohmann::json j{{"player", p},
                   {"resources", names},
                   {"your_values", your_values},
                   {"inventories", {counts(inv_[0]), counts(inv_[1])}},
                   {"initial_inventories", {counts(init_[0]), counts(init_[1])}},
                   {"setup_done", setup_done()},
                   {"turns_played", turns_played()},
                   {"max_turns", neg().max_turns()},
                   {"standing_offer", offer},
                   {"history", history},
                   {"your_gain", setup_done() ? nlohmann::json(gain(p)) : nlohmann::json(nullptr)},
                   {"current_player", current_player()},
                   {"is_terminal", is_terminal()}};
  if (is_terminal()) j["returns"] = returns();
  return j;
}

std::string NegotiationState::to_string() const {
  std::string s;
  for (Player q = 0; q < 2; ++q)
    s += player_name(q) + ": inventory " + counts_text(inv_[q]) + "; start " + counts_text(init_[q]) +
         "; values " + counts_text(val_[q]) + "\n";
  s += "turns " + std::to_string(turns_played()) + "/" + std::to_string(neg().max_turns());
  if (offer_from_ >= 0) s += "; standing offer: " + trade_text(offer_from_, offer_, true);
  return s + "\n";
}

}  // namespace arena::negotiation
