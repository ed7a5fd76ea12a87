#include "games/goofspiel/goofspiel.h"

#include <bit>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "games/api/registry.h"

namespace arena::goofspiel {
namespace {

GameType make_type() {
  GameType t;
  t.short_name = "goofspiel";
  t.long_name = "Goofspiel";
  t.utility = Utility::kZeroSum;
  t.chance_mode = ChanceMode::kExplicitStochastic;
  t.information = Information::kImperfect;
  t.parameters = {
      int_param("num_cards", 13, 1, kMaxCards, "cards per hand and in the prize deck (values 1..num_cards)"),
      string_param("points_order", "random", {"random", "descending", "ascending"},
                   "order in which the prize cards are turned up"),
      string_param("returns_type", "win_loss", {"win_loss", "point_difference", "total_points"},
                   "win_loss: +1/-1/0 by total points; point_difference: own points minus the mean; total_points: "
                   "own points (general-sum)"),
  };
  t.presets = {{"small", "num_cards=4", "four cards, random prize order"},
               {"classic", "num_cards=13,points_order=descending,returns_type=point_difference",
                "full suit, prizes from 13 down, scored by point difference"}};
  t.summary = "Bid cards from your hand for prize cards; the higher bid takes the prize";
  return t;
}

// The registered type is zero-sum with chance; an instance states its own variant, as OpenSpiel's does:
// total_points makes it general-sum, and a fixed prize order leaves no chance.
ARENA_REGISTER_GAME(make_type(), [](const GameType& t, const GameParams& p) -> GamePtr {
  GameType type = t;
  if (p.get_string("returns_type") == "total_points") type.utility = Utility::kGeneralSum;
  if (p.get_string("points_order") != "random") type.chance_mode = ChanceMode::kDeterministic;
  return std::make_shared<GoofspielGame>(type, p);
});

std::string bid_string(int card) { return "<Bid " + std::to_string(card + 1) + ">"; }

}  // namespace

GoofspielGame::GoofspielGame(GameType type, GameParams params) : Game(std::move(type), std::move(params)) {
  num_cards_ = static_cast<int>(this->params().get_int("num_cards"));
  const std::string& order = this->params().get_string("points_order");
  order_ = order == "random" ? PointsOrder::kRandom
           : order == "ascending" ? PointsOrder::kAscending
                                  : PointsOrder::kDescending;
  const std::string& ret = this->params().get_string("returns_type");
  returns_ = ret == "win_loss" ? ReturnsType::kWinLoss
             : ret == "point_difference" ? ReturnsType::kPointDifference
                                         : ReturnsType::kTotalPoints;
}

// Player one-hot (2); current prize one-hot (n); prizes not yet turned up (n); player 0's and player 1's hands
// (2n); player 0's and player 1's points one-hot (2 * (max_points + 1)); own hidden bid of this turn (n, player 0
// only); "player 0 has bid this turn" (1, player 1 only); per turn, prize, player 0's bid, player 1's bid one-hot
// (3n per turn, n turns).
std::vector<int> GoofspielGame::observation_tensor_shape() const {
  const int n = num_cards_;
  return {2 + n + n + 2 * n + 2 * (max_points() + 1) + n + 1 + 3 * n * n};
}

double GoofspielGame::min_utility() const {
  switch (returns_) {
    case ReturnsType::kWinLoss: return -1;
    case ReturnsType::kPointDifference: return -max_points() / 2.0;
    case ReturnsType::kTotalPoints: return 0;
  }
  return 0;
}

double GoofspielGame::max_utility() const {
  switch (returns_) {
    case ReturnsType::kWinLoss: return 1;
    case ReturnsType::kPointDifference: return max_points() / 2.0;
    case ReturnsType::kTotalPoints: return max_points();
  }
  return 0;
}

std::string GoofspielGame::rules_text() const {
  const std::string n = std::to_string(num_cards_);
  std::string order;
  switch (order_) {
    case PointsOrder::kRandom: order = "chosen at random among the prize cards not yet turned up"; break;
    case PointsOrder::kAscending: order = "turned up in ascending order: 1 first, " + n + " last"; break;
    case PointsOrder::kDescending: order = "turned up in descending order: " + n + " first, 1 last"; break;
  }
  std::string scoring;
  switch (returns_) {
    case ReturnsType::kWinLoss:
      scoring = "the player with more points wins and scores +1, the other scores -1; equal points score 0 each.";
      break;
    case ReturnsType::kPointDifference:
      scoring = "each player scores half the difference between their points and the other player's points "
                "(own points minus the average of both players' points), so the scores sum to 0.";
      break;
    case ReturnsType::kTotalPoints:
      scoring = "each player scores their own points. The scores do not sum to a constant: tied bids discard "
                "prizes that nobody scores.";
      break;
  }
  return "1. Goofspiel is a two-player bidding game. Each player holds " + n + " cards with the values 1 to " + n +
         ". A separate prize deck also holds the values 1 to " + n + ".\n"
         "2. The game lasts " + n + " turns. At the start of each turn one prize card is turned up face up; it is " +
         order + ".\n"
         "3. Both players then bid one card from their hand with <Bid V> (V is the card's value). The bids are "
         "simultaneous: player_0 bids first, but player_1 does not see that bid before bidding. Both bids are "
         "revealed when the turn ends, and the bid cards are discarded.\n"
         "4. The higher bid wins the prize: its owner gains points equal to the prize card's value. If both bids "
         "are equal, the prize card is discarded and nobody gains points.\n"
         "5. When each player has one card left, the last turn plays itself: the last prize card is turned up and "
         "both remaining cards are bid automatically.\n"
         "6. Scoring, once all turns are played: " + scoring + "\n";
}

std::unique_ptr<State> GoofspielGame::new_initial_state() const {
  return std::make_unique<GoofspielState>(shared());
}

GoofspielState::GoofspielState(GamePtr game)
    : State(std::move(game)), gs_(static_cast<const GoofspielGame*>(&this->game())) {
  const std::uint32_t all = (1u << gs().num_cards()) - 1;
  hands_ = {all, all};
  prizes_left_ = all;
  start_turn();
}

void GoofspielState::start_turn() {
  const int n = gs().num_cards();
  const int t = static_cast<int>(turns_.size());
  if (t == n) {
    over_ = true;
    return;
  }
  switch (gs().points_order()) {
    case PointsOrder::kRandom: prize_ = -1; break;
    case PointsOrder::kAscending: prize_ = t; break;
    case PointsOrder::kDescending: prize_ = n - 1 - t; break;
  }
  if (prize_ >= 0) prizes_left_ &= ~(1u << prize_);
  // One card left in each hand (after at least one turn): no choice remains, so the turn plays itself.
  if (t == n - 1 && t > 0) {
    if (prize_ < 0) {
      prize_ = std::countr_zero(prizes_left_);
      prizes_left_ = 0;
    }
    last_turn_automatic_ = true;
    resolve(std::countr_zero(hands_[0]), std::countr_zero(hands_[1]));
  }
}

void GoofspielState::resolve(int bid0, int bid1) {
  const Turn turn{prize_, bid0, bid1};
  turns_.push_back(turn);
  if (turn.winner() >= 0) points_[turn.winner()] += prize_ + 1;
  hands_[0] &= ~(1u << bid0);
  hands_[1] &= ~(1u << bid1);
  pending_ = -1;
  prize_ = -1;
  start_turn();
}

Player GoofspielState::current_player() const {
  if (over_) return kTerminalPlayer;
  if (prize_ < 0) return kChancePlayer;
  return pending_ < 0 ? 0 : 1;
}

std::vector<Action> GoofspielState::legal_actions() const {
  std::vector<Action> out;
  const Player p = current_player();
  if (p == kTerminalPlayer) return out;
  const std::uint32_t mask = p == kChancePlayer ? prizes_left_ : hands_[p];
  for (int c = 0; c < gs().num_cards(); ++c)
    if ((mask >> c) & 1u) out.push_back(c);
  return out;
}

std::vector<std::pair<Action, double>> GoofspielState::chance_outcomes() const {
  if (!is_chance_node()) return State::chance_outcomes();
  std::vector<std::pair<Action, double>> out;
  const double p = 1.0 / std::popcount(prizes_left_);
  for (int c = 0; c < gs().num_cards(); ++c)
    if ((prizes_left_ >> c) & 1u) out.emplace_back(c, p);
  return out;
}

void GoofspielState::do_apply_action(Action a) {
  const int card = static_cast<int>(a);
  if (prize_ < 0) {
    prize_ = card;
    prizes_left_ &= ~(1u << card);
  } else if (pending_ < 0) {
    pending_ = card;
  } else {
    resolve(pending_, card);
  }
}

std::vector<double> GoofspielState::returns() const {
  if (!over_) return {0.0, 0.0};
  const double a = points_[0], b = points_[1];
  switch (gs().returns_type()) {
    case ReturnsType::kWinLoss: return a > b ? std::vector<double>{1, -1} : a < b ? std::vector<double>{-1, 1}
                                                                                   : std::vector<double>{0, 0};
    case ReturnsType::kPointDifference: return {(a - b) / 2, (b - a) / 2};
    case ReturnsType::kTotalPoints: return {a, b};
  }
  return {0.0, 0.0};
}

// Bid cards are revealed when a turn resolves, so hands are public, except that player 0's pending bid leaves its
// hand only in its own view: for player 1 it stays hidden until the turn resolves.
std::uint32_t GoofspielState::visible_hand(Player viewer, Player owner) const {
  if (owner == 0 && viewer == 0 && pending_ >= 0) return hands_[0] & ~(1u << pending_);
  return hands_[owner];
}

std::string GoofspielState::cards_text(std::uint32_t mask) const {
  std::string s;
  for (int c = 0; c < gs().num_cards(); ++c)
    if ((mask >> c) & 1u) s += (s.empty() ? "" : " ") + std::to_string(c + 1);
  return s.empty() ? "none" : s;
}

std::string GoofspielState::observation_text(Player p) const {
  const int n = gs().num_cards();
  std::string s = "You are player_" + std::to_string(p) + ". Cards 1 to " + std::to_string(n) + ".\n";
  s += "Points: player_0 has " + std::to_string(points_[0]) + ", player_1 has " + std::to_string(points_[1]) + ".\n";
  s += "Your hand: " + cards_text(visible_hand(p, p)) + ".\n";
  s += "player_" + std::to_string(1 - p) + "'s hand: " + cards_text(visible_hand(p, 1 - p)) + ".\n";
  s += "Prize cards not yet turned up: " + cards_text(prizes_left_) + ".\n";
  if (!turns_.empty()) s += "History:\n";
  for (size_t i = 0; i < turns_.size(); ++i) {
    const Turn& t = turns_[i];
    const bool automatic = last_turn_automatic_ && i + 1 == turns_.size();
    s += std::to_string(i + 1) + ". Turn " + std::to_string(i + 1) + (automatic ? " (played automatically)" : "") +
         ": prize card " + std::to_string(t.prize + 1) + "; player_0 bids " + bid_string(t.bid0) +
         ", player_1 bids " + bid_string(t.bid1) + "; ";
    if (t.winner() < 0) s += "tie, the prize is discarded.\n";
    else s += "player_" + std::to_string(t.winner()) + " wins " + std::to_string(t.prize + 1) +
              (t.prize == 0 ? " point.\n" : " points.\n");
  }
  if (over_) {
    const auto r = returns();
    s += "The game is over. Final points: player_0 " + std::to_string(points_[0]) + ", player_1 " +
         std::to_string(points_[1]) + ". ";
    s += points_[0] == points_[1] ? std::string("It is a tie.")
                                  : "player_" + std::to_string(points_[0] > points_[1] ? 0 : 1) + " wins.";
    char buf[64];
    std::snprintf(buf, sizeof buf, " Scores: player_0 %g, player_1 %g.\n", r[0], r[1]);
    return s + buf;
  }
  const std::string turn = "Turn " + std::to_string(turns_.size() + 1);
  if (prize_ < 0) return s + turn + ": the prize card is about to be turned up.\n";
  s += turn + ": the prize card is " + std::to_string(prize_ + 1) + ". ";
  if (p == 0)
    s += pending_ < 0 ? "Your turn to bid.\n" : "You bid " + bid_string(pending_) + "; player_1 is bidding.\n";
  else
    s += pending_ < 0 ? "player_0 bids first; you bid next.\n" : "player_0 has made a hidden bid; your turn to bid.\n";
  return s;
}

// Resolved turns as "prize:bid0/bid1" (card values), then the current turn as "prize:" followed, once player 0 has
// bid, by "bid0/" for player 0 and "?/" for player 1. E.g. player 1 deciding: "3:2/4 5:?/".
std::string GoofspielState::information_state(Player p) const {
  std::string s;
  for (const Turn& t : turns_) {
    if (!s.empty()) s += ' ';
    s += std::to_string(t.prize + 1) + ":" + std::to_string(t.bid0 + 1) + "/" + std::to_string(t.bid1 + 1);
  }
  if (!over_ && prize_ >= 0) {
    if (!s.empty()) s += ' ';
    s += std::to_string(prize_ + 1) + ":";
    if (pending_ >= 0) s += p == 0 ? std::to_string(pending_ + 1) + "/" : std::string("?/");
  }
  return s;
}

void GoofspielState::observation_tensor(Player p, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  const int n = gs().num_cards();
  int o = 0;
  out[o + p] = 1.0f;
  o += 2;
  if (!over_ && prize_ >= 0) out[o + prize_] = 1.0f;
  o += n;
  for (int c = 0; c < n; ++c) out[o + c] = (prizes_left_ >> c) & 1u ? 1.0f : 0.0f;
  o += n;
  for (int q = 0; q < 2; ++q) {
    const std::uint32_t hand = visible_hand(p, q);
    for (int c = 0; c < n; ++c) out[o + c] = (hand >> c) & 1u ? 1.0f : 0.0f;
    o += n;
  }
  for (int q = 0; q < 2; ++q) {
    out[o + points_[q]] = 1.0f;
    o += gs().max_points() + 1;
  }
  if (p == 0 && pending_ >= 0) out[o + pending_] = 1.0f;
  o += n;
  if (p == 1 && pending_ >= 0) out[o] = 1.0f;
  o += 1;
  for (const Turn& t : turns_) {
    out[o + t.prize] = 1.0f;
    out[o + n + t.bid0] = 1.0f;
    out[o + 2 * n + t.bid1] = 1.0f;
    o += 3 * n;
  }
}

nlohmann::json GoofspielState::to_json(Player p) const {
  auto cards = [&](std::uint32_t mask) {
    std::vector<int> v;
    for (int c = 0; c < gs().num_cards(); ++c)
      if ((mask >> c) & 1u) v.push_back(c + 1);
    return v;
  };
  // Built by assignment: nested initializer lists would copy every element (this view is on the hot path of checks).
  nlohmann::json j = nlohmann::json::object();
  j["player"] = p;
  j["hands"] = nlohmann::json::array();
  j["hands"].push_back(cards(visible_hand(p, 0)));
  j["hands"].push_back(cards(visible_hand(p, 1)));
  j["prize_card"] = !over_ && prize_ >= 0 ? prize_ + 1 : 0;
  j["prizes_left"] = cards(prizes_left_);
  j["points"] = points_;
  nlohmann::json& turns = j["turns"] = nlohmann::json::array();
  for (const Turn& t : turns_) {
    nlohmann::json& turn = turns.emplace_back(nlohmann::json::object());
    turn["prize"] = t.prize + 1;
    turn["bids"] = std::array<int, 2>{t.bid0 + 1, t.bid1 + 1};
    turn["winner"] = t.winner();
  }
  j["current_player"] = current_player();
  j["is_terminal"] = over_;
  if (pending_ >= 0) {
    if (p == 0) j["your_bid"] = pending_ + 1;
    else j["opponent_has_bid"] = true;
  }
  if (over_) j["returns"] = returns();
  return j;
}

std::string GoofspielState::action_to_string(Player p, Action a) const {
  if (a < 0 || a >= gs().num_cards()) return p == kChancePlayer ? "Reveal prize ?" : "<?>";
  if (p == kChancePlayer) return "Reveal prize card " + std::to_string(a + 1);
  return bid_string(static_cast<int>(a));
}

std::string GoofspielState::to_string() const {
  std::string s = "hands: " + cards_text(hands_[0]) + " | " + cards_text(hands_[1]) + "  turns:";
  for (const Turn& t : turns_)
    s += " " + std::to_string(t.prize + 1) + ":" + std::to_string(t.bid0 + 1) + "/" + std::to_string(t.bid1 + 1);
  if (!over_ && prize_ >= 0) s += "  prize: " + std::to_string(prize_ + 1);
  if (pending_ >= 0) s += "  p0 pending: " + std::to_string(pending_ + 1);
  s += "  points: " + std::to_string(points_[0]) + " " + std::to_string(points_[1]);
  return s;
}

}  // namespace arena::goofspiel
