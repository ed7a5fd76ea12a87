#include "games/leduc_poker/leduc_poker.h"

#include <nlohmann/json.hpp>

#include "games/api/registry.h"

namespace arena::leduc_poker {
namespace {

GameType make_type() {
  GameType t;
  t.short_name = "leduc_poker";
  t.long_name = "Leduc Hold'em";
  t.utility = Utility::kZeroSum;
  t.chance_mode = ChanceMode::kExplicitStochastic;
  t.information = Information::kImperfect;
  t.summary = "Six-card hold'em: one private card, one public card, two betting rounds";
  return t;
}

ARENA_REGISTER_GAME(make_type(), [](const GameType& t, const GameParams& p) -> GamePtr {
  return std::make_shared<LeducPokerGame>(t, p);
});

constexpr const char* kRankNames[3] = {"Jack", "Queen", "King"};
constexpr char kRankLetters[3] = {'J', 'Q', 'K'};
constexpr const char* kSuitNames[2] = {"Spades", "Hearts"};
constexpr char kSuitLetters[2] = {'s', 'h'};

std::string card_name(int c) {
  return std::string(kRankNames[c / 2]) + " of " + kSuitNames[c % 2] + " (" + kRankLetters[c / 2] + ")";
}
std::string card_code(int c) {
  return c < 0 ? std::string("?") : std::string{kRankLetters[c / 2], kSuitLetters[c % 2]};
}
constexpr int kBetSize[2] = {2, 4};

}  // namespace

std::string LeducPokerGame::rules_text() const {
  return "1. Leduc hold'em is a two-player poker game played with six cards: two Jacks, two Queens and two Kings "
         "(Jack < Queen < King; the two suits, Spades and Hearts, do not matter for ranking).\n"
         "2. Each player puts an ante of 1 chip into the pot and is dealt one private card that only they see.\n"
         "3. There are two betting rounds. Player 0 acts first in each round. After the first round one public card "
         "is dealt face up for both players.\n"
         "4. On each turn a player chooses one of the legal actions:\n"
         "   - <CALL>: match the other player's bet (a check when there is no bet to match).\n"
         "   - <RAISE>: put in enough to match and then raise by the bet size: 2 chips in round 1, 4 chips in round 2. "
         "At most two raises are allowed per round.\n"
         "   - <FOLD>: give up the hand and lose the chips already in the pot; only allowed when facing a bet.\n"
         "5. A round ends when a player calls after both players have acted. If nobody folds, the hand goes to "
         "showdown after round 2.\n"
         "6. Showdown: a player whose private card has the same rank as the public card (a pair) wins; otherwise "
         "the higher private card wins; equal ranks split the pot. The winner gains the chips the loser put in.\n";
}

std::unique_ptr<State> LeducPokerGame::new_initial_state() const {
  return std::make_unique<LeducPokerState>(shared());
}

LeducPokerState::LeducPokerState(GamePtr game) : State(std::move(game)) {}

Player LeducPokerState::current_player() const {
  if (folded_ >= 0) return kTerminalPlayer;
  if (cards_[0] < 0 || cards_[1] < 0) return kChancePlayer;
  if (round_over_) return round_ == 0 ? kChancePlayer : kTerminalPlayer;
  return to_act_;
}

bool LeducPokerState::chance_outcome_hidden_from(Player p) const {
  if (!is_chance_node()) return false;
  if (cards_[0] < 0) return p != 0;
  if (cards_[1] < 0) return p != 1;
  return false;  // the public card
}

std::vector<Action> LeducPokerState::legal_actions() const {
  std::vector<Action> out;
  Player p = current_player();
  if (p == kTerminalPlayer) return out;
  if (p == kChancePlayer) {
    for (int c = 0; c < kDeckSize; ++c)
      if (!card_used(c)) out.push_back(c);
    return out;
  }
  if (stakes_ > contrib_[p]) out.push_back(kFold);
  out.push_back(kCall);
  if (raises_ < kMaxRaises) out.push_back(kRaise);
  return out;
}

std::vector<std::pair<Action, double>> LeducPokerState::chance_outcomes() const {
  if (!is_chance_node()) return State::chance_outcomes();
  std::vector<std::pair<Action, double>> out;
  const double p = 1.0 / (kDeckSize - dealt());
  for (int c = 0; c < kDeckSize; ++c)
    if (!card_used(c)) out.emplace_back(c, p);
  return out;
}

void LeducPokerState::do_apply_action(Action a) {
  if (is_chance_node()) {
    if (cards_[0] < 0) cards_[0] = static_cast<int>(a);
    else if (cards_[1] < 0) cards_[1] = static_cast<int>(a);
    else {
      public_card_ = static_cast<int>(a);
      round_ = 1;
      raises_ = 0;
      round_over_ = false;
      to_act_ = 0;
    }
    return;
  }
  const Player p = to_act_;
  moves_[round_].push_back({p, a});
  if (a == kFold) {
    folded_ = p;
    return;
  }
  if (a == kRaise) {
    stakes_ += kBetSize[round_];
    ++raises_;
    contrib_[p] = stakes_;
  } else {
    contrib_[p] = stakes_;
    if (moves_[round_].size() >= 2) round_over_ = true;
  }
  to_act_ = 1 - p;
}

std::vector<double> LeducPokerState::returns() const {
  if (folded_ >= 0) {
    const double lost = contrib_[folded_];
    return folded_ == 0 ? std::vector<double>{-lost, lost} : std::vector<double>{lost, -lost};
  }
  if (!(round_ == 1 && round_over_)) return {0.0, 0.0};
  const int r0 = cards_[0] / 2, r1 = cards_[1] / 2, pub = public_card_ / 2;
  int winner = -1;
  if (r0 == pub) winner = 0;
  else if (r1 == pub) winner = 1;
  else if (r0 != r1) winner = r0 > r1 ? 0 : 1;
  if (winner < 0) return {0.0, 0.0};
  const double won = contrib_[1 - winner];
  return winner == 0 ? std::vector<double>{won, -won} : std::vector<double>{-won, won};
}

std::string LeducPokerState::observation_text(Player p) const {
  std::string s = "1. Blind ante: both player_0 and player_1 place 1 chip into the pot.\n";
  int line = 2;
  if (cards_[p] >= 0) s += std::to_string(line++) + ". Deal: your card is " + card_name(cards_[p]) + ".\n";
  else s += std::to_string(line++) + ". Deal: your card has not been dealt yet.\n";
  for (int r = 0; r < 2; ++r) {
    if (r == 1) {
      if (public_card_ < 0) break;
      s += std::to_string(line++) + ". Public card: " + card_name(public_card_) + ".\n";
    }
    int turn = 1;
    for (const auto& m : moves_[r])
      s += std::to_string(line++) + ". Round " + std::to_string(r + 1) + ", turn " + std::to_string(turn++) +
           ": player_" + std::to_string(m.player) + " chooses to " + action_to_string(m.player, m.action) + ".\n";
  }
  s += "Pot: " + std::to_string(contrib_[0] + contrib_[1]) + " chips (player_0 put in " +
       std::to_string(contrib_[0]) + ", player_1 put in " + std::to_string(contrib_[1]) + ").\n";
  if (is_terminal()) {
    auto r = returns();
    if (folded_ < 0)
      s += "Showdown: player_0 holds " + card_name(cards_[0]) + ", player_1 holds " + card_name(cards_[1]) + ".\n";
    if (r[0] == 0) s += "Result: the pot is split.\n";
    else {
      const int w = r[0] > 0 ? 0 : 1;
      s += "Result: player_" + std::to_string(w) + " wins " + std::to_string(static_cast<int>(r[w])) + " chips" +
           (folded_ >= 0 ? " (player_" + std::to_string(folded_) + " folded)" : "") + ".\n";
    }
  }
  return s;
}

// "<private>|<round-1 moves>|<public>|<round-2 moves>", moves as f/c/r, e.g. "Qs|rc|Kh|c".
std::string LeducPokerState::information_state(Player p) const {
  static constexpr char kMoveLetters[3] = {'f', 'c', 'r'};
  std::string s = card_code(cards_[p]) + "|";
  for (const auto& m : moves_[0]) s += kMoveLetters[m.action];
  if (public_card_ >= 0) {
    s += "|" + card_code(public_card_) + "|";
    for (const auto& m : moves_[1]) s += kMoveLetters[m.action];
  }
  return s;
}

void LeducPokerState::observation_tensor(Player p, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  out[p] = 1.0f;
  if (cards_[p] >= 0) out[2 + cards_[p]] = 1.0f;
  if (public_card_ >= 0) out[8 + public_card_] = 1.0f;
  for (int r = 0; r < 2; ++r)
    for (size_t i = 0; i < moves_[r].size() && i < 4; ++i) {
      const Action a = moves_[r][i].action;
      if (a == kFold) continue;  // a fold ends the game; the terminal state needs no bit for it
      out[14 + r * 8 + i * 2 + (a == kRaise ? 1 : 0)] = 1.0f;
    }
}

nlohmann::json LeducPokerState::to_json(Player p) const {
  static constexpr const char* kMoveNames[3] = {"FOLD", "CALL", "RAISE"};
  nlohmann::json rounds = nlohmann::json::array();
  for (int r = 0; r < 2; ++r) {
    nlohmann::json moves = nlohmann::json::array();
    for (const auto& m : moves_[r]) moves.push_back({{"player", m.player}, {"action", kMoveNames[m.action]}});
    rounds.push_back(moves);
  }
  nlohmann::json j{{"player", p},
                   {"your_card", cards_[p] >= 0 ? card_code(cards_[p]) : std::string()},
                   {"public_card", public_card_ >= 0 ? card_code(public_card_) : std::string()},
                   {"round", round_ + 1},
                   {"rounds", rounds},
                   {"pot", contrib_[0] + contrib_[1]},
                   {"contributions", {contrib_[0], contrib_[1]}},
                   {"current_player", current_player()},
                   {"is_terminal", is_terminal()}};
  if (is_terminal()) {
    j["returns"] = returns();
    if (folded_ < 0) j["showdown_cards"] = {card_code(cards_[0]), card_code(cards_[1])};
  }
  return j;
}

std::string LeducPokerState::action_to_string(Player p, Action a) const {
  if (p == kChancePlayer) return a >= 0 && a < kDeckSize ? "Deal " + card_name(static_cast<int>(a)) : "Deal ?";
  switch (a) {
    case kFold: return "<FOLD>";
    case kCall: return "<CALL>";
    case kRaise: return "<RAISE>";
  }
  return "<?>";
}

std::string LeducPokerState::to_string() const {
  static constexpr char kMoveLetters[3] = {'f', 'c', 'r'};
  std::string s = "cards: " + card_code(cards_[0]) + " " + card_code(cards_[1]) + "  public: " +
                  card_code(public_card_) + "  moves: ";
  for (const auto& m : moves_[0]) s += kMoveLetters[m.action];
  s += "/";
  for (const auto& m : moves_[1]) s += kMoveLetters[m.action];
  s += "  pot: " + std::to_string(contrib_[0] + contrib_[1]);
  return s;
}

}  // namespace arena::leduc_poker
