#include "games/liars_dice/liars_dice.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "games/api/registry.h"

namespace arena::liars_dice {
namespace {

GameType make_type() {
  GameType t;
  t.short_name = "liars_dice";
  t.long_name = "Liar's Dice";
  t.utility = Utility::kZeroSum;
  t.chance_mode = ChanceMode::kExplicitStochastic;
  t.information = Information::kImperfect;
  t.parameters = {
      int_param("numdice", 1, 1, kMaxDicePerPlayer, "dice per player"),
      int_param("dice_sides", 6, 2, 20, "faces per die; the highest face is wild"),
      string_param("bidding_rule", "reset-face", {"reset-face", "reset-quantity"},
                   "bid order: reset-face raises quantity first (any face may follow a higher quantity); "
                   "reset-quantity raises face first"),
  };
  t.presets = {{"two_dice", "numdice=2", "two dice per player"}};
  t.summary = "Bid on the dice of both players, or call the last bid a lie; the highest face is wild";
  return t;
}

ARENA_REGISTER_GAME(make_type(), [](const GameType& t, const GameParams& p) -> GamePtr {
  return std::make_shared<LiarsDiceGame>(t, p);
});

std::string dice_word(int q) { return q == 1 ? "die" : "dice"; }
std::string dice_are(int q) { return q == 1 ? "die is" : "dice are"; }

std::string faces_text(const std::vector<int>& faces) {
  std::string s;
  for (int f : faces) s += (s.empty() ? "" : " ") + std::to_string(f);
  return s;
}

}  // namespace

LiarsDiceGame::LiarsDiceGame(GameType type, GameParams params) : Game(std::move(type), std::move(params)) {
  dice_per_player_ = static_cast<int>(this->params().get_int("numdice"));
  total_dice_ = 2 * dice_per_player_;
  sides_ = static_cast<int>(this->params().get_int("dice_sides"));
  rule_ = this->params().get_string("bidding_rule") == "reset-quantity" ? BiddingRule::kResetQuantity
                                                                         : BiddingRule::kResetFace;
}

int LiarsDiceGame::quantity(Action bid) const {
  const int b = static_cast<int>(bid);
  return rule_ == BiddingRule::kResetFace ? b / sides_ + 1 : b % total_dice_ + 1;
}

int LiarsDiceGame::face(Action bid) const {
  const int b = static_cast<int>(bid);
  return rule_ == BiddingRule::kResetFace ? b % sides_ + 1 : b / total_dice_ + 1;
}

std::string LiarsDiceGame::rules_text() const {
  const std::string n = std::to_string(dice_per_player_), t = std::to_string(total_dice_),
                    s = std::to_string(sides_);
  std::string order =
      rule_ == BiddingRule::kResetFace
          ? "a bid is higher when its quantity is larger, or when the quantity is the same and the face is larger "
            "(after a bid of Q dice showing F you may bid Q dice showing a face above F, or more than Q dice showing "
            "any face)"
          : "a bid is higher when its face is larger, or when the face is the same and the quantity is larger "
            "(after a bid of Q dice showing F you may bid more than Q dice showing F, or any quantity of a face "
            "above F)";
  return "1. Liar's dice is a two-player bluffing game. Each player has " + n + " " + dice_word(dice_per_player_) +
         " with " + s + " faces, numbered 1 to " + s + ". All dice are rolled at the start; you see only your own "
         "dice.\n"
         "2. The highest face, " + s + ", is wild: a die showing " + s + " counts as every face.\n"
         "3. Players take turns, player_0 first. On your turn you either bid or call the previous bid a lie:\n"
         "   - <Bid: Q dice showing F> (written <Bid: 1 die showing F> when Q is 1) claims that among all " + t +
         " dice of both players at least Q count for face F: they show F or the wild " + s + ". Q ranges from 1 to " +
         t + " and F from 1 to " + s + ".\n"
         "   - Each bid must be higher than the previous bid: " + order + ".\n"
         "   - <Liar> challenges the previous bid. It is not allowed before the first bid; after the highest possible "
         "bid it is the only move.\n"
         "4. After <Liar> all dice are shown. A die counts when it shows the bid's face or the wild face " + s +
         " (for a bid on face " + s + ", only dice showing " + s + " count). If at least Q dice count, the bid was "
         "true: the bidder wins and the caller loses. Otherwise the caller wins and the bidder loses.\n"
         "5. The winner scores +1 and the loser -1.\n";
}

std::unique_ptr<State> LiarsDiceGame::new_initial_state() const {
  return std::make_unique<LiarsDiceState>(shared());
}

LiarsDiceState::LiarsDiceState(GamePtr game)
    : State(std::move(game)), ld_(static_cast<const LiarsDiceGame*>(&this->game())) {}

Player LiarsDiceState::current_player() const {
  if (rolled_ < ld().total_dice()) return kChancePlayer;
  if (called()) return kTerminalPlayer;
  return static_cast<Player>(bids_.size() % 2);
}

std::vector<Action> LiarsDiceState::legal_actions() const {
  std::vector<Action> out;
  const Player p = current_player();
  if (p == kTerminalPlayer) return out;
  if (p == kChancePlayer) {
    for (int f = 0; f < ld().sides(); ++f) out.push_back(f);
    return out;
  }
  const Action first = bids_.empty() ? 0 : bids_.back() + 1;
  for (Action b = first; b < ld().liar_action(); ++b) out.push_back(b);
  if (!bids_.empty()) out.push_back(ld().liar_action());
  return out;
}

std::vector<std::pair<Action, double>> LiarsDiceState::chance_outcomes() const {
  if (!is_chance_node()) return State::chance_outcomes();
  std::vector<std::pair<Action, double>> out;
  const double p = 1.0 / ld().sides();
  for (int f = 0; f < ld().sides(); ++f) out.emplace_back(f, p);
  return out;
}

void LiarsDiceState::do_apply_action(Action a) {
  if (rolled_ < ld().total_dice()) {
    // Keep each hand sorted: only the multiset of one's dice is information (as in OpenSpiel's information state).
    const Player r = roller();
    auto& hand = dice_[r];
    int i = num_rolled_[r]++;
    const int face = static_cast<int>(a) + 1;
    while (i > 0 && hand[i - 1] > face) {
      hand[i] = hand[i - 1];
      --i;
    }
    hand[i] = face;
    ++rolled_;
    return;
  }
  bids_.push_back(a);
}

std::vector<int> LiarsDiceState::dice(Player p) const {
  return std::vector<int>(dice_[p].begin(), dice_[p].begin() + num_rolled_[p]);
}

int LiarsDiceState::matching_dice() const {
  const size_t n = bids_.size() - (called() ? 1 : 0);
  if (n == 0) return -1;
  const int face = ld().face(bids_[n - 1]);
  int count = 0;
  for (Player p = 0; p < 2; ++p)
    for (int i = 0; i < num_rolled_[p]; ++i)
      if (dice_[p][i] == face || dice_[p][i] == ld().sides()) ++count;
  return count;
}

// The last bid's maker is the player before the caller; the bid stands when enough dice match it.
Player LiarsDiceState::winner() const {
  const Player caller = static_cast<Player>((bids_.size() - 1) % 2);
  const Player bidder = 1 - caller;
  return matching_dice() >= ld().quantity(bids_[bids_.size() - 2]) ? bidder : caller;
}

std::vector<double> LiarsDiceState::returns() const {
  if (!called()) return {0.0, 0.0};
  return winner() == 0 ? std::vector<double>{1.0, -1.0} : std::vector<double>{-1.0, 1.0};
}

std::string LiarsDiceState::observation_text(Player p) const {
  const auto mine = dice(p);
  std::string s = "You are player_" + std::to_string(p) + ". Each player has " +
                  std::to_string(ld().dice_per_player()) + " " + dice_word(ld().dice_per_player()) + " with " +
                  std::to_string(ld().sides()) + " faces; " + std::to_string(ld().sides()) + " is wild.\n";
  if (static_cast<int>(mine.size()) == ld().dice_per_player())
    s += "1. Roll: your " + dice_are(ld().dice_per_player()) + " " + faces_text(mine) + ".\n";
  else
    s += "1. Roll: your dice have not all been rolled yet" +
         (mine.empty() ? std::string() : " (so far: " + faces_text(mine) + ")") + ".\n";
  for (size_t i = 0; i < bids_.size(); ++i) {
    const Player who = static_cast<Player>(i % 2);
    s += std::to_string(i + 2) + ". Turn " + std::to_string(i + 1) + ": player_" + std::to_string(who) +
         (bids_[i] == ld().liar_action() ? " calls " : " bids ") + action_to_string(who, bids_[i]) + ".\n";
  }
  if (called()) {
    const Action bid = bids_[bids_.size() - 2];
    const int q = ld().quantity(bid), f = ld().face(bid), m = matching_dice();
    const std::string are = dice_are(ld().dice_per_player());
    s += "Reveal: player_0's " + are + " " + faces_text(dice(0)) + ", player_1's " + are + " " +
         faces_text(dice(1)) + ". " + std::to_string(m) + " " + dice_word(m) + (m == 1 ? " counts" : " count") +
         " for face " + std::to_string(f) + " (bid: " + std::to_string(q) + "), so the bid was " +
         (m >= q ? "true" : "false") + ".\n";
    s += "Result: player_" + std::to_string(winner()) + " wins (+1), player_" + std::to_string(1 - winner()) +
         " loses (-1).\n";
  } else if (!bids_.empty()) {
    s += "Current bid: " + action_to_string(0, bids_.back()) + " by player_" +
         std::to_string((bids_.size() - 1) % 2) + ".\n";
  }
  if (current_player() == p)
    s += bids_.empty() ? "Your turn: make the first bid.\n" : "Your turn: bid higher or call <Liar>.\n";
  return s;
}

// Own dice ascending, comma-separated, then each move as "quantity-face" or "Liar": e.g. "2,6 1-5 2-3 Liar".
std::string LiarsDiceState::information_state(Player p) const {
  std::string s;
  for (int i = 0; i < num_rolled_[p]; ++i) s += (i ? "," : "") + std::to_string(dice_[p][i]);
  for (Action b : bids_) {
    if (b == ld().liar_action()) s += " Liar";
    else s += " " + std::to_string(ld().quantity(b)) + "-" + std::to_string(ld().face(b));
  }
  return s;
}

void LiarsDiceState::observation_tensor(Player p, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  out[p] = 1.0f;
  const int sides = ld().sides();
  for (int i = 0; i < num_rolled_[p]; ++i) out[2 + i * sides + dice_[p][i] - 1] = 1.0f;
  const int offset = 2 + ld().dice_per_player() * sides;
  for (Action b : bids_) out[offset + b] = 1.0f;
}

nlohmann::json LiarsDiceState::to_json(Player p) const {
  nlohmann::json moves = nlohmann::json::array();
  for (size_t i = 0; i < bids_.size(); ++i) {
    if (bids_[i] == ld().liar_action()) moves.push_back({{"player", i % 2}, {"action", "LIAR"}});
    else
      moves.push_back({{"player", i % 2},
                       {"action", "BID"},
                       {"quantity", ld().quantity(bids_[i])},
                       {"face", ld().face(bids_[i])}});
  }
  nlohmann::json j{{"player", p},
                   {"your_dice", dice(p)},
                   {"dice_per_player", ld().dice_per_player()},
                   {"dice_sides", ld().sides()},
                   {"moves", moves},
                   {"current_player", current_player()},
                   {"is_terminal", is_terminal()}};
  if (called()) {
    j["dice"] = {dice(0), dice(1)};
    j["matching_dice"] = matching_dice();
    j["returns"] = returns();
  }
  return j;
}

std::string LiarsDiceState::action_to_string(Player p, Action a) const {
  if (p == kChancePlayer) return "Roll " + std::to_string(a + 1);
  if (a == ld().liar_action()) return "<Liar>";
  if (a < 0 || a > ld().liar_action()) return "<?>";
  const int q = ld().quantity(a);
  return "<Bid: " + std::to_string(q) + " " + dice_word(q) + " showing " + std::to_string(ld().face(a)) + ">";
}

std::string LiarsDiceState::to_string() const {
  std::string s = "dice: " + faces_text(dice(0)) + " | " + faces_text(dice(1)) + "  moves:";
  for (Action b : bids_) {
    if (b == ld().liar_action()) s += " Liar";
    else s += " " + std::to_string(ld().quantity(b)) + "-" + std::to_string(ld().face(b));
  }
  return s;
}

}  // namespace arena::liars_dice
