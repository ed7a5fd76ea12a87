// Simple Negotiation: two players trade resources (Wood, Gold, then Stone and Wheat with `resources` = 3 or 4) that
// each values privately, for `max_turns` turns in all (player 0 first, then alternating).
//
// Setup (chance): every player's starting quantity of every resource, uniform in [5, 25] and public; then every
// player's private per-unit value of every resource, uniform in [0.8 * base, 1.2 * base] with bases Wood 10, Gold 30,
// Stone 20, Wheat 5. Chance outcome ids are the numbers themselves.
//
// A turn is one action:
//   - an offer: a net transfer d with each |d_i| <= `max_offer`, at least one d_i > 0 (the proposer gives d_i units)
//     and at least one d_i < 0 (the proposer receives -d_i units); legal only if the proposer holds what it gives;
//   - <Accept>: only when the opponent's offer from the previous turn stands and the accepter holds what it asks for;
//     the trade executes;
//   - <Deny>: only when such an offer stands;
//   - one of 2R+1 fixed messages (<Say: ...>), which change nothing.
// An offer stands only for the opponent's next turn: any answer other than <Accept> lets it lapse.
//
// Gain of a player = value of final inventory minus value of starting inventory, both under its own values.
// `negotiation` is zero-sum: the larger gain wins +1, the other -1, equal gains draw 0. `negotiation_general_sum`
// (same rules and parameters) returns the gains themselves, paid as per-step rewards when trades execute.
//
// Action ids: 0 <Accept>, 1 <Deny>, 2 <Say: Make me an offer>, 3..2+R <Say: I need X>, 3+R..2+2R
// <Say: I can spare X>, then offers: 3 + 2R + sum_i (d_i + K) * (2K + 1)^i with K = `max_offer`.
#pragma once

#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include "games/api/game.h"

namespace arena::negotiation {

inline constexpr int kMaxResources = 4;
inline constexpr Action kAccept = 0;
inline constexpr Action kDeny = 1;
inline constexpr Action kAskForOffer = 2;
inline constexpr int kMinQuantity = 5;
inline constexpr int kMaxQuantity = 25;

using Counts = std::array<int, kMaxResources>;

const char* resource_name(int i);
// "2 Wood and 1 Stone": the entries of d with sign `sign` (+1: what the proposer gives, -1: what it receives).
std::string side_text(const Counts& d, int resources, int sign);
int base_value(int i);
int min_value(int i);  // 0.8 * base
int max_value(int i);  // 1.2 * base

class NegotiationGame : public Game {
 public:
  NegotiationGame(GameType type, GameParams params);
  int num_players() const override { return 2; }
  int num_distinct_actions() const override { return offer_base() + num_offer_codes_; }
  int max_chance_outcomes() const override;
  int max_game_length() const override { return 4 * resources_ + max_turns_; }
  std::vector<int> observation_tensor_shape() const override { return {12 + 9 * resources_}; }
  double min_utility() const override { return general_sum_ ? -utility_bound() : -1; }
  double max_utility() const override { return general_sum_ ? utility_bound() : 1; }
  std::string rules_text() const override;
  std::unique_ptr<State> new_initial_state() const override;

  int resources() const { return resources_; }
  int max_turns() const { return max_turns_; }
  int max_offer() const { return max_offer_; }
  bool general_sum() const { return general_sum_; }
  Action offer_base() const { return 3 + 2 * resources_; }
  // Net transfers of every well-formed offer, in increasing action id order.
  const std::vector<std::pair<Action, Counts>>& offers() const { return offers_; }
  // The net transfer an offer id encodes (well-formed or not); false if `a` is not an offer id.
  bool decode_offer(Action a, Counts& d) const;
  // Player action strings do not depend on the state, so they are built once.
  const std::string& action_name(Action a) const { return action_names_[a]; }
  std::optional<Action> action_id(std::string_view name) const;

 private:
  double utility_bound() const;
  int resources_;
  int max_turns_;
  int max_offer_;
  bool general_sum_;
  int num_offer_codes_;
  std::vector<std::pair<Action, Counts>> offers_;
  std::vector<std::string> action_names_;
  std::unordered_map<std::string, Action> action_ids_;
};

class NegotiationState : public State {
 public:
  explicit NegotiationState(GamePtr game);
  Player current_player() const override;
  std::vector<Action> legal_actions() const override;
  std::vector<std::pair<Action, double>> chance_outcomes() const override;
  std::vector<double> rewards() const override;
  std::vector<double> returns() const override;
  std::unique_ptr<State> clone() const override { return std::make_unique<NegotiationState>(*this); }
  std::string observation_text(Player p) const override;
  std::string information_state(Player p) const override;
  void observation_tensor(Player p, std::span<float> out) const override;
  nlohmann::json to_json(Player p) const override;
  std::string action_to_string(Player p, Action a) const override;
  std::optional<Action> string_to_action(Player p, std::string_view text) const override;
  std::string to_string() const override;
  bool chance_outcome_hidden_from(Player p) const override;
  double forfeit_loss(Player p) const override;

  const Counts& inventory(Player p) const { return inv_[p]; }
  const Counts& initial_inventory(Player p) const { return init_[p]; }
  const Counts& values(Player p) const { return val_[p]; }
  // Value gain of p so far under p's own values.
  int gain(Player p) const;
  int turns_played() const { return static_cast<int>(moves_.size()); }
  bool setup_done() const { return dealt_ == 4 * R(); }

 protected:
  void do_apply_action(Action a) override;

 private:
  struct Move {
    Player player;
    Action action;
  };
  const NegotiationGame& neg() const { return static_cast<const NegotiationGame&>(game()); }
  int R() const { return neg().resources(); }
  // The chance node being drawn: kind 0 = quantity, 1 = value; owner player; resource index.
  void chance_slot(int& kind, Player& owner, int& resource) const;
  bool can_afford(Player p, const Counts& d, int sign) const;
  // legal_actions() membership for the player to move, without building the list.
  bool player_action_legal(Action a) const;
  bool offer_to(Player p) const { return offer_from_ >= 0 && offer_from_ != p; }
  std::string trade_text(Player from, const Counts& d, bool proposed) const;
  std::string move_text(size_t t) const;  // turn t + 1 of the history
  std::string counts_text(const Counts& c, bool zero_unknown = false) const;

  Counts init_[2]{};
  Counts inv_[2]{};
  Counts val_[2]{};  // 0 until dealt
  int dealt_ = 0;    // chance outcomes applied, 0..4R
  Player offer_from_ = -1;
  Counts offer_{};   // net transfer from the proposer
  std::vector<Move> moves_;
  std::array<double, 2> last_rewards_{0, 0};
};

}  // namespace arena::negotiation
