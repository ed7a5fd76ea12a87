// Views of a Hanabi state: text, information state, tensor, JSON, action strings. A player's own cards appear only
// through what the hints told them.
#include <algorithm>
#include <bit>

#include <nlohmann/json.hpp>

#include "games/hanabi/hanabi.h"

namespace arena::hanabi {
namespace {

std::string seat(Player p) { return "player_" + std::to_string(p); }

std::string slot_list(std::uint8_t mask) {
  std::string s;
  for (int i = 0; i < kMaxHandSize; ++i)
    if (mask >> i & 1) s += (s.empty() ? "" : ", ") + std::to_string(i);
  return s;
}

}  // namespace

std::string HanabiState::action_to_string(Player p, Action a) const {
  const auto& g = static_cast<const HanabiGame&>(game());
  if (p == kChancePlayer) {
    if (a < 0 || a >= g.max_chance_outcomes()) return "Deal ?";
    return "Deal " + g.card_string(static_cast<int>(a));
  }
  if (a < 0 || a >= g.num_distinct_actions()) return "<?>";
  const Move m = g.decode(a);
  switch (m.type) {
    case MoveType::kDiscard: return "<Discard card " + std::to_string(m.index) + ">";
    case MoveType::kPlay: return "<Play card " + std::to_string(m.index) + ">";
    case MoveType::kRevealColor:
      return "<Reveal player +" + std::to_string(m.offset) + " color " + kColorLetters[m.value] + ">";
    case MoveType::kRevealRank:
      return "<Reveal player +" + std::to_string(m.offset) + " rank " + std::to_string(m.value + 1) + ">";
  }
  return "<?>";
}

// "R?" style summary of revealed color and rank, then the colors and ranks still possible.
std::string HanabiState::knowledge_string(const CardKnowledge& k) const {
  std::string s{k.color >= 0 ? kColorLetters[k.color] : '?', k.rank >= 0 ? static_cast<char>('1' + k.rank) : '?'};
  s += ", possible colors ";
  for (int c = 0; c < cfg_->colors; ++c)
    if (k.colors >> c & 1) s += kColorLetters[c];
  s += ", possible ranks ";
  for (int r = 0; r < cfg_->ranks; ++r)
    if (k.ranks >> r & 1) s += static_cast<char>('1' + r);
  return s;
}

// One player move of the history as `viewer` saw it.
std::string HanabiState::move_string(Player viewer, size_t event) const {
  const auto& g = static_cast<const HanabiGame&>(game());
  const Event& e = events_[event];
  const Player actor = e.actor;
  const Action a = history()[event];
  const Move m = g.decode(a);
  std::string s = seat(actor) + (actor == viewer ? " (you)" : "") + " chose " + action_to_string(actor, a) + ": ";
  switch (m.type) {
    case MoveType::kDiscard: return s + "discarded " + g.card_string(e.aux) + ".";
    case MoveType::kPlay:
      if (e.mask & 1)
        return s + "played " + g.card_string(e.aux) + " successfully" +
               (e.mask & 2 ? ", completing the firework and regaining an information token." : ".");
      return s + "played " + g.card_string(e.aux) + ", which did not fit: it was discarded and a life token was lost.";
    default: {
      const Player target = (actor + m.offset) % cfg_->players;
      return s + "touched " + (target == viewer ? std::string("your") : seat(target) + "'s") + " card" +
             (std::popcount(e.mask) > 1 ? "s " : " ") + slot_list(e.mask) + ".";
    }
  }
}

// The last round of player moves, oldest first: the viewer's own previous move and everything after it.
std::vector<size_t> HanabiState::recent_moves() const {
  std::vector<size_t> recent;
  for (size_t i = events_.size(); i-- > 0 && static_cast<int>(recent.size()) < cfg_->players;)
    if (events_[i].actor >= 0) recent.push_back(i);
  std::reverse(recent.begin(), recent.end());
  return recent;
}

std::string HanabiState::observation_text(Player p) const {
  const auto& g = static_cast<const HanabiGame&>(game());
  const int n = cfg_->players;
  std::string s = "You are " + seat(p) + " of " + std::to_string(n) + ". ";
  if (terminal_) s += "The game is over. Final score: " + std::to_string(score_) + ".\n";
  else if (deal_to_ >= 0) s += "A card is being dealt to " + (deal_to_ == p ? std::string("you") : seat(deal_to_)) + ".\n";
  else s += (to_move_ == p ? std::string("It is your turn.") : "It is " + seat(to_move_) + "'s turn.") + "\n";
  s += "Score: " + std::to_string(score_) + " of " + std::to_string(cfg_->colors * cfg_->ranks) + "\n";
  s += "Life tokens: " + std::to_string(life_) + " of " + std::to_string(cfg_->max_life) + "\n";
  s += "Information tokens: " + std::to_string(info_) + " of " + std::to_string(cfg_->max_info) + "\n";
  s += "Fireworks:";
  for (int c = 0; c < cfg_->colors; ++c) s += std::string(" ") + kColorLetters[c] + std::to_string(fireworks_[c]);
  s += "\nDeck: " + std::to_string(deck_size_) + " cards left";
  if (deck_size_ == 0 && !terminal_) s += " (final round: " + std::to_string(turns_left_) + " turns left)";
  s += "\nDiscards:";
  bool any = false;
  for (int t = 0; t < cfg_->colors * cfg_->ranks; ++t)
    for (int i = 0; i < discards_[t]; ++i, any = true) s += " " + g.card_string(t);
  if (!any) s += " none";
  s += "\nYour hand (you cannot see your cards; this is what hints told you):\n";
  for (int i = 0; i < hand_len_[p]; ++i)
    s += "  card " + std::to_string(i) + ": " + knowledge_string(know_[p][i]) + "\n";
  for (int k = 1; k < n; ++k) {
    const Player q = (p + k) % n;
    s += seat(q) + "'s hand (player +" + std::to_string(k) + " from you), with what " + seat(q) + " knows:\n";
    for (int i = 0; i < hand_len_[q]; ++i)
      s += "  card " + std::to_string(i) + ": " + g.card_string(hands_[q][i]) + " (knows " +
           knowledge_string(know_[q][i]) + ")\n";
  }
  const auto recent = recent_moves();
  if (!recent.empty()) {
    s += "Recent moves, oldest first:\n";
    for (size_t i : recent) s += "  " + move_string(p, i) + "\n";
  }
  return s;
}

// "p<seat>:" then what p saw of each history action: a draw is '#' when it went to p, else 'a' + card type; a move
// is '0' + action id followed by '0' + the card for a play or discard, or '0' + the bitmask of touched slots for a
// reveal. The two alphabets do not overlap, so the key reads back unambiguously.
std::string HanabiState::information_state(Player p) const {
  const int h = cfg_->hand_size;
  std::string s = "p" + std::to_string(p) + ":";
  s.reserve(s.size() + 2 * events_.size());
  const auto& hist = history();
  for (size_t i = 0; i < events_.size(); ++i) {
    const Event& e = events_[i];
    if (e.actor < 0) {
      s += e.aux == p ? '#' : static_cast<char>('a' + hist[i]);
      continue;
    }
    s += static_cast<char>('0' + hist[i]);
    s += static_cast<char>('0' + (hist[i] < 2 * h ? e.aux : e.mask));
  }
  return s;
}

void HanabiState::observation_tensor(Player p, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  const int n = cfg_->players, h = cfg_->hand_size, C = cfg_->colors, R = cfg_->ranks, D = cfg_->deck_size;
  const int bits = C * R;
  int off = 0;
  for (int k = 1; k < n; ++k) {
    const Player q = (p + k) % n;
    for (int i = 0; i < hand_len_[q]; ++i) out[off + i * bits + hands_[q][i]] = 1;
    off += h * bits;
  }
  for (int k = 0; k < n; ++k)
    if (hand_len_[(p + k) % n] < h) out[off + k] = 1;
  off += n;
  for (int i = 0; i < deck_size_; ++i) out[off + i] = 1;
  off += D - n * h;
  for (int c = 0; c < C; ++c)
    if (fireworks_[c] > 0) out[off + c * R + fireworks_[c] - 1] = 1;
  off += bits;
  for (int i = 0; i < info_; ++i) out[off + i] = 1;
  off += cfg_->max_info;
  for (int i = 0; i < life_; ++i) out[off + i] = 1;
  off += cfg_->max_life;
  for (int t = 0; t < bits; ++t) {
    for (int i = 0; i < discards_[t]; ++i) out[off + i] = 1;
    off += cfg_->copies[t];
  }
  if (last_.player >= 0) {
    const LastMove& m = last_;
    const bool reveal = m.type == MoveType::kRevealColor || m.type == MoveType::kRevealRank;
    out[off + (m.player - p + n) % n] = 1;
    off += n;
    static constexpr int kTypeBit[4] = {1, 0, 2, 3};  // play, discard, color, rank
    out[off + kTypeBit[static_cast<int>(m.type)]] = 1;
    off += 4;
    if (reveal) out[off + (m.target - p + n) % n] = 1;
    off += n;
    if (m.type == MoveType::kRevealColor) out[off + m.value] = 1;
    off += C;
    if (m.type == MoveType::kRevealRank) out[off + m.value] = 1;
    off += R;
    for (int i = 0; i < h; ++i)
      if (m.reveal_mask >> i & 1) out[off + i] = 1;
    off += h;
    if (!reveal) out[off + m.index] = 1;
    off += h;
    if (!reveal) out[off + m.card] = 1;
    off += bits;
    if (m.scored) out[off] = 1;
    if (m.info_added) out[off + 1] = 1;
    off += 2;
  } else {
    off += n + 4 + n + C + R + h + h + bits + 2;
  }
  for (int k = 0; k < n; ++k) {
    const Player q = (p + k) % n;
    for (int i = 0; i < hand_len_[q]; ++i) {
      const CardKnowledge& kn = know_[q][i];
      for (int c = 0; c < C; ++c)
        if (kn.colors >> c & 1)
          for (int r = 0; r < R; ++r)
            if (kn.ranks >> r & 1) out[off + c * R + r] = 1;
      off += bits;
      if (kn.color >= 0) out[off + kn.color] = 1;
      off += C;
      if (kn.rank >= 0) out[off + kn.rank] = 1;
      off += R;
    }
    off += (h - hand_len_[q]) * (bits + C + R);
  }
}

nlohmann::json HanabiState::to_json(Player p) const {
  const auto& g = static_cast<const HanabiGame&>(game());
  const int n = cfg_->players;
  // Per card: the card ("??" for the viewer's own), the color and rank (1-based) revealed to its holder (null while
  // not revealed), and the colors and ranks its holder still considers possible.
  auto card_json = [&](Player q, int i) {
    const CardKnowledge& k = know_[q][i];
    std::string colors, ranks;
    for (int c = 0; c < cfg_->colors; ++c)
      if (k.colors >> c & 1) colors += kColorLetters[c];
    for (int r = 0; r < cfg_->ranks; ++r)
      if (k.ranks >> r & 1) ranks += static_cast<char>('1' + r);
    nlohmann::json j{{"card", q == p ? std::string("??") : g.card_string(hands_[q][i])},
                     {"known_color", nullptr},
                     {"known_rank", nullptr},
                     {"possible_colors", std::move(colors)},
                     {"possible_ranks", std::move(ranks)}};
    if (k.color >= 0) j["known_color"] = std::string(1, kColorLetters[k.color]);
    if (k.rank >= 0) j["known_rank"] = k.rank + 1;
    return j;
  };
  nlohmann::json hands = nlohmann::json::array();
  for (int k = 0; k < n; ++k) {
    const Player q = (p + k) % n;
    nlohmann::json cards = nlohmann::json::array();
    for (int i = 0; i < hand_len_[q]; ++i) cards.push_back(card_json(q, i));
    hands.push_back({{"player", q}, {"cards", std::move(cards)}});
  }
  nlohmann::json fireworks = nlohmann::json::object();
  for (int c = 0; c < cfg_->colors; ++c) fireworks[std::string(1, kColorLetters[c])] = fireworks_[c];
  nlohmann::json discards = nlohmann::json::array();
  for (int t = 0; t < cfg_->colors * cfg_->ranks; ++t)
    for (int i = 0; i < discards_[t]; ++i) discards.push_back(g.card_string(t));
  nlohmann::json moves = nlohmann::json::array();
  for (size_t i : recent_moves())
    moves.push_back({{"player", events_[i].actor}, {"action", action_to_string(events_[i].actor, history()[i])},
                     {"text", move_string(p, i)}});
  nlohmann::json j{{"player", p},
                   {"current_player", current_player()},
                   {"life_tokens", life_},
                   {"information_tokens", info_},
                   {"fireworks", fireworks},
                   {"score", score_},
                   {"deck_size", deck_size_},
                   {"turns_left_after_deck", deck_size_ == 0 ? turns_left_ : -1},
                   {"discards", discards},
                   {"hands", hands},
                   {"recent_moves", moves},
                   {"is_terminal", terminal_}};
  if (terminal_) j["returns"] = returns();
  return j;
}

std::string HanabiState::to_string() const {
  const auto& g = static_cast<const HanabiGame&>(game());
  std::string s = "life " + std::to_string(life_) + " info " + std::to_string(info_) + " score " +
                  std::to_string(score_) + " deck " + std::to_string(deck_size_) + " fireworks";
  for (int c = 0; c < cfg_->colors; ++c) s += std::string(" ") + kColorLetters[c] + std::to_string(fireworks_[c]);
  s += " discards";
  for (int t = 0; t < cfg_->colors * cfg_->ranks; ++t)
    for (int i = 0; i < discards_[t]; ++i) s += " " + g.card_string(t);
  for (int q = 0; q < cfg_->players; ++q) {
    s += "\n" + seat(q) + ":";
    for (int i = 0; i < hand_len_[q]; ++i) s += " " + g.card_string(hands_[q][i]) + "[" + knowledge_string(know_[q][i]) + "]";
  }
  s += "\nto move: " + std::to_string(current_player()) + " turns_left " + std::to_string(turns_left_);
  return s;
}

}  // namespace arena::hanabi
