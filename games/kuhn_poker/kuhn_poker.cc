#include "games/kuhn_poker/kuhn_poker.h"

#include <nlohmann/json.hpp>

#include "games/api/registry.h"

namespace arena::kuhn_poker {
namespace {

GameType make_type() {
  GameType t;
  t.short_name = "kuhn_poker";
  t.long_name = "Kuhn Poker";
  t.utility = Utility::kZeroSum;
  t.chance_mode = ChanceMode::kExplicitStochastic;
  t.information = Information::kImperfect;
  t.summary = "Three-card poker: one private card, one betting round, ante 1";
  return t;
}

ARENA_REGISTER_GAME(make_type(), [](const GameType& t, const GameParams& p) -> GamePtr {
  return std::make_shared<KuhnPokerGame>(t, p);
});

constexpr const char* kCardNames[3] = {"Jack (J)", "Queen (Q)", "King (K)"};
constexpr char kCardLetters[3] = {'J', 'Q', 'K'};

}  // namespace

std::string KuhnPokerGame::rules_text() const {
  return "1. Kuhn poker is a two-player card game played with a deck of three cards: Jack (J) < Queen (Q) < King (K).\n"
         "2. Each player puts an ante of 1 chip into the pot and is dealt one private card; the third card is not "
         "used. You see only your own card.\n"
         "3. Player 0 acts first. On each turn a player chooses <PASS> or <BET>:\n"
         "   - <BET> puts one more chip into the pot (a bet, or a call of the other player's bet).\n"
         "   - <PASS> puts nothing in: it is a check when nobody has bet, and a fold when facing a bet.\n"
         "4. The hand ends when: both players pass (showdown); one bets and the other calls with <BET> (showdown); or "
         "one bets and the other passes (fold: the bettor wins the pot without showdown).\n"
         "5. At showdown the higher card wins the pot. The winner gains what the loser put into the pot: 1 chip "
         "after pass-pass or a fold, 2 chips after a called bet.\n";
}

std::unique_ptr<State> KuhnPokerGame::new_initial_state() const {
  return std::make_unique<KuhnPokerState>(shared());
}

KuhnPokerState::KuhnPokerState(GamePtr game) : State(std::move(game)) {}

bool KuhnPokerState::finished() const {
  if (num_bets_ < 2) return false;
  if (num_bets_ == 3) return true;
  // Two moves end the hand unless they are pass then bet (player 0 must answer the bet).
  return !(bets_[0] == kPass && bets_[1] == kBet);
}

Player KuhnPokerState::current_player() const {
  if (num_dealt_ < 2) return kChancePlayer;
  if (finished()) return kTerminalPlayer;
  return num_bets_ % 2;
}

std::vector<Action> KuhnPokerState::legal_actions() const {
  if (num_dealt_ < 2) {
    std::vector<Action> out;
    for (int c = 0; c < 3; ++c)
      if (c != cards_[0]) out.push_back(c);
    return out;
  }
  if (finished()) return {};
  return {kPass, kBet};
}

std::vector<std::pair<Action, double>> KuhnPokerState::chance_outcomes() const {
  if (!is_chance_node()) return State::chance_outcomes();
  std::vector<std::pair<Action, double>> out;
  const double p = 1.0 / (3 - num_dealt_);
  for (int c = 0; c < 3; ++c)
    if (c != cards_[0]) out.emplace_back(c, p);
  return out;
}

void KuhnPokerState::do_apply_action(Action a) {
  if (num_dealt_ < 2) {
    cards_[num_dealt_++] = static_cast<int>(a);
    return;
  }
  const int p = num_bets_ % 2;
  bets_[num_bets_++] = a;
  if (a == kBet) contrib_[p] += 1;
}

std::vector<double> KuhnPokerState::returns() const {
  if (!finished()) return {0.0, 0.0};
  int winner;
  // A pass facing a bet is a fold.
  const Action last = bets_[num_bets_ - 1];
  const Action prev = bets_[num_bets_ - 2];
  if (last == kPass && prev == kBet) {
    winner = (num_bets_ - 2) % 2;  // the bettor
  } else {
    winner = cards_[0] > cards_[1] ? 0 : 1;
  }
  const double won = contrib_[1 - winner];
  return winner == 0 ? std::vector<double>{won, -won} : std::vector<double>{-won, won};
}

std::string KuhnPokerState::observation_text(Player p) const {
  std::string s = "1. Blind ante: both player_0 and player_1 place 1 chip into the pot.\n";
  if (cards_[p] >= 0) s += std::string("2. Deal: your card is ") + kCardNames[cards_[p]] + ".\n";
  else s += "2. Deal: your card has not been dealt yet.\n";
  for (int i = 0; i < num_bets_; ++i)
    s += std::to_string(i + 3) + ". Turn " + std::to_string(i + 1) + ": player_" + std::to_string(i % 2) +
         " chooses to " + action_to_string(i % 2, bets_[i]) + ".\n";
  if (finished()) {
    auto r = returns();
    const bool fold = bets_[num_bets_ - 1] == kPass && bets_[num_bets_ - 2] == kBet;
    if (!fold)
      s += "Showdown: player_0 holds " + std::string(kCardNames[cards_[0]]) + ", player_1 holds " +
           kCardNames[cards_[1]] + ".\n";
    const int w = r[0] > 0 ? 0 : 1;
    s += "Result: player_" + std::to_string(w) + " wins " + std::to_string(static_cast<int>(r[w])) + " chip" +
         (r[w] == 1 ? "" : "s") + (fold ? " (player_" + std::to_string(1 - w) + " folded)" : "") + ".\n";
  }
  return s;
}

// "<card letter><p|b per betting move>", e.g. "Kpb": player 0 holding the King facing pass-bet.
std::string KuhnPokerState::information_state(Player p) const {
  std::string s(1, cards_[p] >= 0 ? kCardLetters[cards_[p]] : '?');
  for (int i = 0; i < num_bets_; ++i) s += bets_[i] == kPass ? 'p' : 'b';
  return s;
}

void KuhnPokerState::observation_tensor(Player p, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  out[p] = 1.0f;
  if (cards_[p] >= 0) out[2 + cards_[p]] = 1.0f;
  for (int i = 0; i < num_bets_; ++i) out[5 + 2 * i + static_cast<int>(bets_[i])] = 1.0f;
}

nlohmann::json KuhnPokerState::to_json(Player p) const {
  nlohmann::json moves = nlohmann::json::array();
  for (int i = 0; i < num_bets_; ++i) moves.push_back({{"player", i % 2}, {"action", bets_[i] == kPass ? "PASS" : "BET"}});
  nlohmann::json j{{"player", p},
                   {"your_card", cards_[p] >= 0 ? std::string(1, kCardLetters[cards_[p]]) : std::string()},
                   {"moves", moves},
                   {"pot", contrib_[0] + contrib_[1]},
                   {"contributions", {contrib_[0], contrib_[1]}},
                   {"current_player", current_player()},
                   {"is_terminal", is_terminal()}};
  if (finished()) {
    j["returns"] = returns();
    const bool fold = bets_[num_bets_ - 1] == kPass && bets_[num_bets_ - 2] == kBet;
    if (!fold) j["showdown_cards"] = {std::string(1, kCardLetters[cards_[0]]), std::string(1, kCardLetters[cards_[1]])};
  }
  return j;
}

std::string KuhnPokerState::action_to_string(Player p, Action a) const {
  if (p == kChancePlayer) return std::string("Deal ") + (a >= 0 && a < 3 ? kCardNames[a] : "?");
  return a == kPass ? "<PASS>" : "<BET>";
}

std::string KuhnPokerState::to_string() const {
  std::string s = "cards: ";
  for (int p = 0; p < 2; ++p) s += (p ? " " : "") + std::string(1, cards_[p] >= 0 ? kCardLetters[cards_[p]] : '?');
  s += "  moves: ";
  for (int i = 0; i < num_bets_; ++i) s += bets_[i] == kPass ? 'p' : 'b';
  s += "  pot: " + std::to_string(contrib_[0] + contrib_[1]);
  return s;
}

}  // namespace arena::kuhn_poker
