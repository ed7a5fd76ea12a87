#include "games/negotiation/negotiation.h"

#include <algorithm>

#include "games/api/registry.h"

namespace arena::negotiation {
namespace {

constexpr const char* kResourceNames[kMaxResources] = {"Wood", "Gold", "Stone", "Wheat"};
constexpr int kBaseValues[kMaxResources] = {10, 30, 20, 5};

std::vector<ParamSpec> make_params() {
  return {int_param("resources", 2, 2, kMaxResources,
                    "kinds of resource traded: 2 = Wood, Gold; 3 adds Stone; 4 adds Wheat"),
          int_param("max_turns", 10, 1, 100, "turns in the whole game (both players together, player 0 first)"),
          int_param("max_offer", 5, 1, 5, "most units of one resource that one offer may give or ask for")};
}

// The two registered games share rules and parameters and differ only in how gains become returns, so that each
// GameType states its true utility.
GameType make_type(bool general_sum) {
  GameType t;
  t.short_name = general_sum ? "negotiation_general_sum" : "negotiation";
  t.long_name = general_sum ? "Simple Negotiation (general-sum)" : "Simple Negotiation";
  t.utility = general_sum ? Utility::kGeneralSum : Utility::kZeroSum;
  t.chance_mode = ChanceMode::kExplicitStochastic;
  t.information = Information::kImperfect;
  t.parameters = make_params();
  t.presets = {{"spiral", "resources=2,max_turns=10,max_offer=5", "Wood and Gold, 10 turns (the defaults)"},
               {"four_resources", "resources=4", "Wood, Gold, Stone and Wheat"}};
  t.summary = general_sum ? "Trade resources valued privately; each player's return is its value gain"
                          : "Trade resources valued privately; the larger value gain wins";
  return t;
}

GamePtr make_game(const GameType& t, const GameParams& p) { return std::make_shared<NegotiationGame>(t, p); }

ARENA_REGISTER_GAME(make_type(false), make_game);
ARENA_REGISTER_GAME(make_type(true), make_game);

}  // namespace

const char* resource_name(int i) { return kResourceNames[i]; }
int base_value(int i) { return kBaseValues[i]; }
int min_value(int i) { return kBaseValues[i] - kBaseValues[i] / 5; }
int max_value(int i) { return kBaseValues[i] + kBaseValues[i] / 5; }

NegotiationGame::NegotiationGame(GameType type, GameParams params)
    : Game(std::move(type), std::move(params)),
      resources_(static_cast<int>(this->params().get_int("resources"))),
      max_turns_(static_cast<int>(this->params().get_int("max_turns"))),
      max_offer_(static_cast<int>(this->params().get_int("max_offer"))),
      general_sum_(this->type().utility == Utility::kGeneralSum) {
  const int base = 2 * max_offer_ + 1;
  num_offer_codes_ = 1;
  for (int i = 0; i < resources_; ++i) num_offer_codes_ *= base;
  for (int code = 0; code < num_offer_codes_; ++code) {
    Counts d{};
    decode_offer(offer_base() + code, d);
    bool gives = false, receives = false;
    for (int i = 0; i < resources_; ++i) {
      gives |= d[i] > 0;
      receives |= d[i] < 0;
    }
    if (gives && receives) offers_.emplace_back(offer_base() + code, d);
  }
  action_names_ = {"<Accept>", "<Deny>", "<Say: Make me an offer>"};
  for (int i = 0; i < resources_; ++i) action_names_.push_back(std::string("<Say: I need ") + kResourceNames[i] + ">");
  for (int i = 0; i < resources_; ++i)
    action_names_.push_back(std::string("<Say: I can spare ") + kResourceNames[i] + ">");
  for (Action a = offer_base(); a < num_distinct_actions(); ++a) {
    Counts d{};
    decode_offer(a, d);
    action_names_.push_back("<Offer: give " + side_text(d, resources_, +1) + ", receive " +
                            side_text(d, resources_, -1) + ">");
  }
  for (Action a = 0; a < num_distinct_actions(); ++a) action_ids_.emplace(action_names_[a], a);
}

std::optional<Action> NegotiationGame::action_id(std::string_view name) const {
  auto it = action_ids_.find(std::string(name));
  if (it == action_ids_.end()) return std::nullopt;
  return it->second;
}

bool NegotiationGame::decode_offer(Action a, Counts& d) const {
  if (a < offer_base() || a >= num_distinct_actions()) return false;
  const int base = 2 * max_offer_ + 1;
  int code = static_cast<int>(a - offer_base());
  d = {};
  for (int i = 0; i < resources_; ++i) {
    d[i] = code % base - max_offer_;
    code /= base;
  }
  return true;
}

int NegotiationGame::max_chance_outcomes() const {
  int m = kMaxQuantity;
  for (int i = 0; i < resources_; ++i) m = std::max(m, max_value(i));
  return m + 1;
}

// A trade needs two turns (offer, accept); each moves at most max_offer units of every resource.
double NegotiationGame::utility_bound() const {
  int per_trade = 0;
  for (int i = 0; i < resources_; ++i) per_trade += max_offer_ * max_value(i);
  return static_cast<double>(max_turns_ / 2) * per_trade;
}

std::string NegotiationGame::rules_text() const {
  const int R = resources_;
  std::string names, ranges;
  for (int i = 0; i < R; ++i) {
    names += std::string(i ? (i + 1 == R ? " and " : ", ") : "") + kResourceNames[i];
    ranges += std::string(i ? ", " : "") + kResourceNames[i] + " " + std::to_string(min_value(i)) + " to " +
              std::to_string(max_value(i));
  }
  const std::string K = std::to_string(max_offer_);
  std::string s =
      "1. Simple Negotiation is a two-player trading game with " + std::to_string(R) + " kinds of resource: " +
      names + ".\n"
      "2. Setup: each player starts with a random quantity of every resource, a whole number from " +
      std::to_string(kMinQuantity) + " to " + std::to_string(kMaxQuantity) +
      " chosen uniformly; all inventories are public. Each player also gets a private value per unit of every "
      "resource, a whole number chosen uniformly from: " + ranges +
      ". You see only your own values; the other player's values are hidden from you.\n"
      "3. The game lasts " + std::to_string(max_turns_) +
      " turns in total. Player 0 takes turn 1, player 1 turn 2, and so on alternately. On your turn you take "
      "exactly one action, which both players see:\n"
      "   - Make an offer, e.g. <Offer: give 2 Wood, receive 1 Gold>: you propose to give the listed resources to "
      "the other player and to receive the listed resources from them. An offer gives at least one resource and "
      "receives at least one other resource, at most " + K +
      " units of each kind, and never gives and receives the same kind. You may only offer what you hold." +
      (R > 2 ? std::string(" Several kinds on one side are joined by \"and\", listed in the order ") + names +
                   ", e.g. <Offer: give 2 Wood and 1 Stone, receive 1 Gold>.\n"
             : std::string("\n")) +
      "   - <Accept>: accept the offer the other player made on the turn just before yours. Allowed only if that "
      "offer stands and you hold everything it asks of you. The trade happens at once: the proposer's given "
      "resources move to you and the resources it asked for move from you to the proposer.\n"
      "   - <Deny>: reject the offer the other player made on the turn just before yours (only when one stands).\n"
      "   - Say one of these messages, which changes nothing in the game: <Say: Make me an offer>, "
      "<Say: I need X> or <Say: I can spare X>, where X is one of the resources.\n"
      "4. An offer stands only during the other player's next turn. If they do anything other than <Accept> "
      "(deny, talk or make their own offer), the offer lapses. An offer made on the last turn cannot be accepted.\n"
      "5. After turn " + std::to_string(max_turns_) +
      " the game ends. Each player's gain is the value of their final inventory minus the value of their "
      "starting inventory, both computed with that player's own private values (quantity times value, summed "
      "over resources).\n";
  if (general_sum_)
    s += "6. Payoff: each player's return is their own gain (it can be negative). A trade pays both players their "
         "change in value as soon as it happens.\n";
  else
    s += "6. Payoff: the player with the larger gain wins and scores +1, the other scores -1; equal gains are a "
         "draw and both score 0.\n";
  return s;
}

std::unique_ptr<State> NegotiationGame::new_initial_state() const {
  return std::make_unique<NegotiationState>(shared());
}

NegotiationState::NegotiationState(GamePtr game) : State(std::move(game)) {}

// Chance order: quantities of player 0 then player 1 (public), then values of player 0 then player 1 (private).
void NegotiationState::chance_slot(int& kind, Player& owner, int& resource) const {
  const int r = R();
  kind = dealt_ / (2 * r);
  owner = (dealt_ % (2 * r)) / r;
  resource = dealt_ % r;
}

Player NegotiationState::current_player() const {
  if (!setup_done()) return kChancePlayer;
  if (turns_played() >= neg().max_turns()) return kTerminalPlayer;
  return turns_played() % 2;
}

bool NegotiationState::chance_outcome_hidden_from(Player p) const {
  if (setup_done()) return false;
  int kind, resource;
  Player owner;
  chance_slot(kind, owner, resource);
  return kind == 1 && owner != p;
}

std::vector<std::pair<Action, double>> NegotiationState::chance_outcomes() const {
  if (!is_chance_node()) return State::chance_outcomes();
  int kind, resource;
  Player owner;
  chance_slot(kind, owner, resource);
  const int lo = kind == 0 ? kMinQuantity : min_value(resource);
  const int hi = kind == 0 ? kMaxQuantity : max_value(resource);
  std::vector<std::pair<Action, double>> out;
  for (int x = lo; x <= hi; ++x) out.emplace_back(x, 1.0 / (hi - lo + 1));
  return out;
}

// sign +1: p must hold every positive entry of d (what it gives); sign -1: every negative entry (what it is asked).
bool NegotiationState::can_afford(Player p, const Counts& d, int sign) const {
  for (int i = 0; i < R(); ++i)
    if (sign * d[i] > inv_[p][i]) return false;
  return true;
}

std::vector<Action> NegotiationState::legal_actions() const {
  std::vector<Action> out;
  const Player p = current_player();
  if (p == kTerminalPlayer) return out;
  if (p == kChancePlayer) {
    for (auto [a, prob] : chance_outcomes()) out.push_back(a);
    return out;
  }
  if (offer_to(p)) {
    if (can_afford(p, offer_, -1)) out.push_back(kAccept);
    out.push_back(kDeny);
  }
  for (Action a = kAskForOffer; a < neg().offer_base(); ++a) out.push_back(a);
  for (const auto& [a, d] : neg().offers())
    if (can_afford(p, d, +1)) out.push_back(a);
  return out;
}

bool NegotiationState::player_action_legal(Action a) const {
  const Player p = current_player();
  if (p < 0) return false;
  if (a == kAccept) return offer_to(p) && can_afford(p, offer_, -1);
  if (a == kDeny) return offer_to(p);
  if (a < neg().offer_base()) return a > kDeny;
  Counts d{};
  if (!neg().decode_offer(a, d)) return false;
  bool gives = false, receives = false;
  for (int i = 0; i < R(); ++i) {
    gives |= d[i] > 0;
    receives |= d[i] < 0;
  }
  return gives && receives && can_afford(p, d, +1);
}

void NegotiationState::do_apply_action(Action a) {
  last_rewards_ = {0, 0};
  if (is_chance_node()) {
    int kind, resource;
    Player owner;
    chance_slot(kind, owner, resource);
    if (kind == 0) init_[owner][resource] = inv_[owner][resource] = static_cast<int>(a);
    else val_[owner][resource] = static_cast<int>(a);
    ++dealt_;
    return;
  }
  const Player p = current_player();
  moves_.push_back({p, a});
  Counts d{};
  if (a == kAccept) {
    const Player from = offer_from_;
    const int before[2] = {gain(0), gain(1)};
    for (int i = 0; i < R(); ++i) {
      inv_[from][i] -= offer_[i];
      inv_[p][i] += offer_[i];
    }
    if (neg().general_sum()) last_rewards_ = {double(gain(0) - before[0]), double(gain(1) - before[1])};
    offer_from_ = -1;
  } else if (neg().decode_offer(a, d)) {
    offer_from_ = p;
    offer_ = d;
  } else {
    offer_from_ = -1;  // a denial or a message lets any standing offer lapse
  }
  if (!neg().general_sum() && is_terminal()) last_rewards_ = {returns()[0], returns()[1]};
}

int NegotiationState::gain(Player p) const {
  int g = 0;
  for (int i = 0; i < R(); ++i) g += val_[p][i] * (inv_[p][i] - init_[p][i]);
  return g;
}

std::vector<double> NegotiationState::rewards() const { return {last_rewards_[0], last_rewards_[1]}; }

std::vector<double> NegotiationState::returns() const {
  if (neg().general_sum()) return {double(gain(0)), double(gain(1))};
  if (!is_terminal()) return {0, 0};
  const int g0 = gain(0), g1 = gain(1);
  if (g0 == g1) return {0, 0};
  return g0 > g1 ? std::vector<double>{1, -1} : std::vector<double>{-1, 1};
}

// Zero-sum: a forfeit costs the game's one point. General-sum: what p has gained so far.
double NegotiationState::forfeit_loss(Player p) const {
  if (!neg().general_sum()) return 1.0;
  return std::max(0, gain(p));
}

}  // namespace arena::negotiation
