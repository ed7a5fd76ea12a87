#include "games/hanabi/hanabi.h"

#include "games/api/registry.h"

namespace arena::hanabi {
namespace {

GameType make_type() {
  GameType t;
  t.short_name = "hanabi";
  t.long_name = "Hanabi";
  t.min_players = 2;
  t.max_players = 5;
  t.utility = Utility::kIdentical;
  t.chance_mode = ChanceMode::kExplicitStochastic;
  t.information = Information::kImperfect;
  t.parameters = {
      int_param("players", 2, 2, 5, "number of players"),
      int_param("colors", 5, 1, 5, "number of colors (R Y G W B, in that order)"),
      int_param("ranks", 5, 1, 5, "number of ranks per color"),
      int_param("hand_size", 0, 0, 5, "cards per hand; 0 = standard rule: 5 with 2-3 players, 4 with 4-5 players"),
      int_param("max_information_tokens", 8, 1, 20, "information tokens at the start, and the maximum"),
      int_param("max_life_tokens", 3, 1, 10, "life tokens at the start"),
  };
  t.presets = {
      {"mini", "colors=2,ranks=2,hand_size=3,max_information_tokens=3,max_life_tokens=3",
       "Mini Hanabi: 2 colors, 2 ranks, 3-card hands, 3 information and 3 life tokens"},
      {"simple", "colors=3,ranks=2,hand_size=5,max_information_tokens=8,max_life_tokens=3",
       "Simple Hanabi: 3 colors, 2 ranks, 5-card hands"},
      {"full_small", "colors=3,ranks=3,hand_size=5,max_information_tokens=8,max_life_tokens=3",
       "3 colors, 3 ranks, 5-card hands"},
      {"standard", "colors=5,ranks=5,hand_size=0,max_information_tokens=8,max_life_tokens=3",
       "the standard game: 5 colors, 5 ranks, 8 information and 3 life tokens"},
  };
  t.summary = "Cooperative fireworks: see everyone's cards but your own, give hints, play cards in order";
  return t;
}

ARENA_REGISTER_GAME(make_type(), [](const GameType& t, const GameParams& p) -> GamePtr {
  return std::make_shared<HanabiGame>(t, p);
});

}  // namespace

HanabiGame::HanabiGame(GameType type, GameParams params) : Game(std::move(type), std::move(params)) {
  const GameParams& p = this->params();
  cfg_.players = static_cast<int>(p.get_int("players"));
  cfg_.colors = static_cast<int>(p.get_int("colors"));
  cfg_.ranks = static_cast<int>(p.get_int("ranks"));
  cfg_.hand_size = static_cast<int>(p.get_int("hand_size"));
  if (cfg_.hand_size == 0) cfg_.hand_size = cfg_.players <= 3 ? 5 : 4;
  cfg_.max_info = static_cast<int>(p.get_int("max_information_tokens"));
  cfg_.max_life = static_cast<int>(p.get_int("max_life_tokens"));
  // Per color: three copies of the lowest rank, one of the highest, two of each other rank.
  for (int c = 0; c < cfg_.colors; ++c)
    for (int r = 0; r < cfg_.ranks; ++r) {
      const int n = r == 0 ? 3 : (r == cfg_.ranks - 1 ? 1 : 2);
      cfg_.copies[c * cfg_.ranks + r] = n;
      cfg_.deck_size += n;
    }
  if (cfg_.players * cfg_.hand_size > cfg_.deck_size)
    throw Error("game 'hanabi': parameters 'players' x 'hand_size' (" + std::to_string(cfg_.players) + " x " +
                std::to_string(cfg_.hand_size) + " = " + std::to_string(cfg_.players * cfg_.hand_size) +
                " cards) exceed the deck of " + std::to_string(cfg_.deck_size) + " cards given by 'colors'=" +
                std::to_string(cfg_.colors) + " and 'ranks'=" + std::to_string(cfg_.ranks) +
                "; use fewer players, a smaller hand_size, or more colors or ranks");
}

int HanabiGame::num_distinct_actions() const {
  return 2 * cfg_.hand_size + (cfg_.players - 1) * (cfg_.colors + cfg_.ranks);
}

// Chance: one draw per card. Plays and discards: one per card drawn after the deal, then at most one per player in
// the final round. Reveals: each spends a token, and tokens come only from the start, discards and completed
// fireworks.
int HanabiGame::max_game_length() const {
  const int after_deal = cfg_.deck_size - cfg_.players * cfg_.hand_size;
  return cfg_.deck_size + 2 * after_deal + cfg_.max_info + cfg_.colors + cfg_.players;
}

// The canonical encoding of the Hanabi Learning Environment, sections in this order (seats relative to the
// observer, the observer first):
//   other hands: per other seat, per slot, one-hot card type (C*R)            (n-1)*h*C*R
//   missing card: per seat, 1 if the hand holds fewer than h cards             n
//   deck: thermometer of cards left                                            D - n*h
//   fireworks: per color, one-hot of the height (nothing at height 0)          C*R
//   information and life tokens: thermometers                                  max_info + max_life
//   discards: per card type, thermometer over its copies                       D
//   last move: actor seat, type (play, discard, color, rank), target seat,
//              color, rank, slots touched, slot played, card played,
//              scored, information token regained                             n+4+n+C+R+h+h+C*R+2
//   knowledge: per seat, per slot: possible card types, revealed color,
//              revealed rank                                                   n*h*(C*R+C+R)
std::vector<int> HanabiGame::observation_tensor_shape() const {
  const int n = cfg_.players, h = cfg_.hand_size, C = cfg_.colors, R = cfg_.ranks, D = cfg_.deck_size;
  const int hands = (n - 1) * h * C * R + n;
  const int board = (D - n * h) + C * R + cfg_.max_info + cfg_.max_life;
  const int last = n + 4 + n + C + R + h + h + C * R + 2;
  const int knowledge = n * h * (C * R + C + R);
  return {hands + board + D + last + knowledge};
}

Move HanabiGame::decode(Action a) const {
  const int h = cfg_.hand_size, C = cfg_.colors, R = cfg_.ranks, n = cfg_.players;
  int i = static_cast<int>(a);
  if (i < h) return {MoveType::kDiscard, i, 0, -1};
  if (i < 2 * h) return {MoveType::kPlay, i - h, 0, -1};
  i -= 2 * h;
  if (i < (n - 1) * C) return {MoveType::kRevealColor, -1, 1 + i / C, i % C};
  i -= (n - 1) * C;
  return {MoveType::kRevealRank, -1, 1 + i / R, i % R};
}

std::string HanabiGame::card_string(int card) const {
  if (card < 0) return "??";
  return std::string{kColorLetters[card / cfg_.ranks], static_cast<char>('1' + card % cfg_.ranks)};
}

std::unique_ptr<State> HanabiGame::new_initial_state() const { return std::make_unique<HanabiState>(shared()); }

std::string HanabiGame::rules_text() const {
  const Config& c = cfg_;
  std::string colors;
  static constexpr const char* kNames[kMaxColors] = {"Red (R)", "Yellow (Y)", "Green (G)", "White (W)", "Blue (B)"};
  for (int i = 0; i < c.colors; ++i) colors += std::string(i ? ", " : "") + kNames[i];
  std::string copies;
  for (int r = 0; r < c.ranks; ++r)
    copies += std::string(r ? ", " : "") + "rank " + std::to_string(r + 1) + ": " + std::to_string(c.copies[r]);
  const std::string n = std::to_string(c.players), h = std::to_string(c.hand_size);
  const std::string top = std::to_string(c.ranks), max_score = std::to_string(c.colors * c.ranks);
  return "1. Hanabi is a cooperative card game for " + n + " players (player_0 to player_" +
         std::to_string(c.players - 1) + "). All players win or lose together and share one score.\n"
         "2. The deck has " + std::to_string(c.deck_size) + " cards in " + std::to_string(c.colors) +
         " colors (" + colors + "), each with ranks 1 to " + top + ". Copies per color: " + copies +
         ". A card is written as color letter and rank, e.g. R1.\n"
         "3. Each player is dealt " + h + " cards. You see every other player's cards but never your own. The "
         "cards in a hand are numbered 0 to " + std::to_string(c.hand_size - 1) + "; when a card leaves a hand the "
         "cards after it move down one place and a newly drawn card goes to the last place.\n"
         "4. The team starts with " + std::to_string(c.max_info) + " information tokens (also the maximum) and " +
         std::to_string(c.max_life) + " life tokens. Each color has a firework, built from rank 1 upwards; its "
         "height starts at 0.\n"
         "5. Players take turns in order, player_0 first. On your turn you must do exactly one of:\n"
         "   - <Reveal player +k color X> or <Reveal player +k rank r>: point out to the player k seats after you "
         "ALL cards of that color (or rank) in their hand. It must touch at least one card and costs one "
         "information token, so it is not allowed with 0 tokens. The player learns which of their cards have that "
         "color (or rank) and that the others do not.\n"
         "   - <Discard card i>: discard your card i face up and gain one information token. Not allowed when the "
         "tokens are at the maximum.\n"
         "   - <Play card i>: reveal your card i. If its rank is exactly one more than its color's firework, it is "
         "added to the firework (+1 point); completing a firework (rank " + top + ") also returns one information "
         "token if below the maximum. Otherwise the card is discarded and the team loses one life token.\n"
         "6. After a play or a discard you draw a card from the deck while it has cards.\n"
         "7. The game ends immediately when the last life token is lost (the score becomes 0) or when every "
         "firework is complete; otherwise, once the deck is empty, every player takes one more turn and the game "
         "ends.\n"
         "8. Score: the sum of the firework heights (0 to " + max_score + "), or 0 if all life tokens were lost. "
         "After every move each player receives the change in score as a reward; losing the last life token gives "
         "minus the score reached so far.\n";
}

HanabiState::HanabiState(GamePtr game) : State(std::move(game)) {
  cfg_ = &static_cast<const HanabiGame&>(this->game()).config();
  for (int t = 0; t < cfg_->colors * cfg_->ranks; ++t) deck_[t] = static_cast<std::int8_t>(cfg_->copies[t]);
  deck_size_ = cfg_->deck_size;
  info_ = cfg_->max_info;
  life_ = cfg_->max_life;
  turns_left_ = cfg_->players;
  events_.reserve(static_cast<size_t>(this->game().max_game_length()));
}

Player HanabiState::current_player() const {
  if (terminal_) return kTerminalPlayer;
  if (deal_to_ >= 0) return kChancePlayer;
  return to_move_;
}

bool HanabiState::chance_outcome_hidden_from(Player p) const { return deal_to_ == p && !terminal_; }

std::uint8_t HanabiState::color_mask(Player p) const {
  std::uint8_t m = 0;
  for (int i = 0; i < hand_len_[p]; ++i) m |= static_cast<std::uint8_t>(1u << (hands_[p][i] / cfg_->ranks));
  return m;
}

std::uint8_t HanabiState::rank_mask(Player p) const {
  std::uint8_t m = 0;
  for (int i = 0; i < hand_len_[p]; ++i) m |= static_cast<std::uint8_t>(1u << (hands_[p][i] % cfg_->ranks));
  return m;
}

std::vector<Action> HanabiState::legal_actions() const {
  std::vector<Action> out;
  if (terminal_) return out;
  if (deal_to_ >= 0) {
    out.reserve(kMaxCardTypes);
    for (int t = 0; t < cfg_->colors * cfg_->ranks; ++t)
      if (deck_[t] > 0) out.push_back(t);
    return out;
  }
  const int h = cfg_->hand_size, n = cfg_->players, C = cfg_->colors, R = cfg_->ranks, p = to_move_;
  const int len = hand_len_[p];
  out.reserve(2 * h + (n - 1) * (C + R));
  if (info_ < cfg_->max_info)
    for (int i = 0; i < len; ++i) out.push_back(i);
  for (int i = 0; i < len; ++i) out.push_back(h + i);
  if (info_ > 0) {
    for (int k = 1; k < n; ++k) {
      const std::uint8_t m = color_mask((p + k) % n);
      for (int c = 0; c < C; ++c)
        if (m >> c & 1) out.push_back(2 * h + (k - 1) * C + c);
    }
    for (int k = 1; k < n; ++k) {
      const std::uint8_t m = rank_mask((p + k) % n);
      for (int r = 0; r < R; ++r)
        if (m >> r & 1) out.push_back(2 * h + (n - 1) * C + (k - 1) * R + r);
    }
  }
  return out;
}

std::vector<std::pair<Action, double>> HanabiState::chance_outcomes() const {
  if (terminal_ || deal_to_ < 0) return State::chance_outcomes();
  std::vector<std::pair<Action, double>> out;
  out.reserve(kMaxCardTypes);
  const double inv = 1.0 / deck_size_;
  for (int t = 0; t < cfg_->colors * cfg_->ranks; ++t)
    if (deck_[t] > 0) out.emplace_back(t, deck_[t] * inv);
  return out;
}

void HanabiState::do_apply_action(Action a) {
  reward_ = 0;
  if (deal_to_ >= 0) {
    events_.push_back({static_cast<std::int8_t>(kChancePlayer), static_cast<std::int8_t>(deal_to_), 0});
    deal(static_cast<int>(a));
    return;
  }
  apply_move(static_cast<const HanabiGame&>(game()).decode(a));
}

void HanabiState::deal(int card) {
  const int q = deal_to_;
  const int slot = hand_len_[q]++;
  hands_[q][slot] = static_cast<std::int8_t>(card);
  know_[q][slot] = CardKnowledge{static_cast<std::uint8_t>((1u << cfg_->colors) - 1),
                                 static_cast<std::uint8_t>((1u << cfg_->ranks) - 1), -1, -1};
  --deck_[card];
  --deck_size_;
  // During the initial deal hands fill in seat order; later only the player who just moved is short a card.
  deal_to_ = -1;
  if (deck_size_ > 0)
    for (int p = 0; p < cfg_->players; ++p)
      if (hand_len_[p] < cfg_->hand_size) {
        deal_to_ = p;
        break;
      }
}

void HanabiState::remove_card(Player p, int slot) {
  const int len = hand_len_[p];
  for (int i = slot; i + 1 < len; ++i) {
    hands_[p][i] = hands_[p][i + 1];
    know_[p][i] = know_[p][i + 1];
  }
  hand_len_[p] = static_cast<std::int8_t>(len - 1);
}

void HanabiState::apply_move(const Move& m) {
  const int p = to_move_, n = cfg_->players, R = cfg_->ranks;
  // Every move made with the deck already empty counts down the final round.
  if (deck_size_ == 0) --turns_left_;
  Event ev{static_cast<std::int8_t>(p), -1, 0};
  LastMove lm;
  lm.player = static_cast<std::int8_t>(p);
  lm.type = m.type;
  const int old_score = score_;
  bool draws = false;
  if (m.type == MoveType::kDiscard || m.type == MoveType::kPlay) {
    const int card = hands_[p][m.index];
    lm.index = static_cast<std::int8_t>(m.index);
    lm.card = static_cast<std::int8_t>(card);
    ev.aux = static_cast<std::int8_t>(card);
    if (m.type == MoveType::kDiscard) {
      ++info_;
      ++discards_[card];
    } else {
      const int color = card / R, rank = card % R;
      if (fireworks_[color] == rank) {
        ++fireworks_[color];
        ++score_;
        lm.scored = true;
        if (rank == R - 1 && info_ < cfg_->max_info) {
          ++info_;
          lm.info_added = true;
        }
      } else {
        --life_;
        ++discards_[card];
      }
      ev.mask = static_cast<std::uint8_t>(lm.scored | (lm.info_added << 1));
    }
    remove_card(p, m.index);
    draws = true;
  } else {
    --info_;
    const int q = (p + m.offset) % n;
    lm.target = static_cast<std::int8_t>(q);
    lm.value = static_cast<std::int8_t>(m.value);
    const bool by_color = m.type == MoveType::kRevealColor;
    for (int i = 0; i < hand_len_[q]; ++i) {
      const int card = hands_[q][i];
      CardKnowledge& k = know_[q][i];
      if ((by_color ? card / R : card % R) == m.value) {
        lm.reveal_mask |= static_cast<std::uint8_t>(1u << i);
        if (by_color) {
          k.colors = static_cast<std::uint8_t>(1u << m.value);
          k.color = static_cast<std::int8_t>(m.value);
        } else {
          k.ranks = static_cast<std::uint8_t>(1u << m.value);
          k.rank = static_cast<std::int8_t>(m.value);
        }
      } else if (by_color) {
        k.colors &= static_cast<std::uint8_t>(~(1u << m.value));
      } else {
        k.ranks &= static_cast<std::uint8_t>(~(1u << m.value));
      }
    }
    ev.mask = lm.reveal_mask;
  }
  if (life_ <= 0) score_ = 0;
  reward_ = score_ - old_score;
  last_ = lm;
  events_.push_back(ev);
  terminal_ = life_ <= 0 || score_ == cfg_->colors * R || turns_left_ <= 0;
  to_move_ = (p + 1) % n;
  if (!terminal_ && draws && deck_size_ > 0) deal_to_ = p;
}

std::vector<double> HanabiState::rewards() const {
  return std::vector<double>(static_cast<size_t>(cfg_->players), static_cast<double>(reward_));
}

std::vector<double> HanabiState::returns() const {
  return std::vector<double>(static_cast<size_t>(cfg_->players), static_cast<double>(score_));
}

}  // namespace arena::hanabi
