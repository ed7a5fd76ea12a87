// Goofspiel, rules and payoffs as OpenSpiel's `goofspiel` with 2 players (perfect-information variant: bids are
// shown once a turn resolves). Each player holds the cards 1..num_cards; a prize deck holds 1..num_cards too. Each
// turn a prize card is turned up (chance picks it uniformly among those left when points_order=random, else the
// next in ascending or descending order), both players bid one of their cards, and the higher bid wins points equal
// to the prize's value; equal bids discard the prize. Bid cards are discarded. When one card is left in each hand
// the last turn (its prize included) plays itself, with no entry in the history, as in OpenSpiel.
//
// OpenSpiel's simultaneous bid is two sequential moves here: player 0 bids, then player 1 bids without seeing player
// 0's bid; both bids are revealed when the turn resolves. Ids: bid action a plays the card of value a + 1; chance
// outcome c turns up the prize of value c + 1.
//
// Returns as OpenSpiel's `returns_type`: win_loss (+1 / -1 by total points, 0 on a tie), point_difference (own
// points minus the mean of both players' points, i.e. half the difference), total_points (own points; the one
// general-sum variant: its Game::type().utility says so, the others are zero-sum). Payoffs come at the end only.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "games/api/game.h"

namespace arena::goofspiel {

inline constexpr int kMaxCards = 20;

enum class PointsOrder { kRandom, kDescending, kAscending };
enum class ReturnsType { kWinLoss, kPointDifference, kTotalPoints };

class GoofspielGame : public Game {
 public:
  GoofspielGame(GameType type, GameParams params);
  int num_players() const override { return 2; }
  int num_distinct_actions() const override { return num_cards_; }
  int max_chance_outcomes() const override { return order_ == PointsOrder::kRandom ? num_cards_ : 0; }
  // A prize draw (random order only) and two bids per turn; the last of several turns plays itself.
  int max_game_length() const override {
    return (order_ == PointsOrder::kRandom ? 3 : 2) * std::max(1, num_cards_ - 1);
  }
  std::vector<int> observation_tensor_shape() const override;
  double min_utility() const override;
  double max_utility() const override;
  std::string rules_text() const override;
  std::unique_ptr<State> new_initial_state() const override;

  int num_cards() const { return num_cards_; }
  PointsOrder points_order() const { return order_; }
  ReturnsType returns_type() const { return returns_; }
  int max_points() const { return num_cards_ * (num_cards_ + 1) / 2; }

 private:
  int num_cards_;
  PointsOrder order_;
  ReturnsType returns_;
};

struct Turn {
  int prize;  // card index (value - 1)
  int bid0;   // card index of player 0's bid
  int bid1;
  int winner() const { return bid0 > bid1 ? 0 : bid1 > bid0 ? 1 : -1; }
};

class GoofspielState : public State {
 public:
  explicit GoofspielState(GamePtr game);
  Player current_player() const override;
  std::vector<Action> legal_actions() const override;
  std::vector<std::pair<Action, double>> chance_outcomes() const override;
  std::vector<double> returns() const override;
  std::unique_ptr<State> clone() const override { return std::make_unique<GoofspielState>(*this); }
  std::string observation_text(Player p) const override;
  std::string information_state(Player p) const override;
  void observation_tensor(Player p, std::span<float> out) const override;
  nlohmann::json to_json(Player p) const override;
  std::string action_to_string(Player p, Action a) const override;
  std::string to_string() const override;

  int points(Player p) const { return points_[p]; }
  const std::vector<Turn>& turns() const { return turns_; }  // resolved turns, the automatic last one included
  int prize() const { return prize_; }                        // current prize index, -1 while chance draws it

 protected:
  void do_apply_action(Action a) override;

 private:
  const GoofspielGame& gs() const { return *gs_; }
  bool in_hand(Player p, int card) const { return (hands_[p] >> card) & 1u; }
  void resolve(int bid0, int bid1);
  void start_turn();
  std::string cards_text(std::uint32_t mask) const;
  std::uint32_t visible_hand(Player viewer, Player owner) const;

  const GoofspielGame* gs_;
  std::array<std::uint32_t, 2> hands_{};
  std::uint32_t prizes_left_ = 0;  // prize cards not yet turned up
  int prize_ = -1;
  int pending_ = -1;               // player 0's bid in the current turn, hidden from player 1
  std::array<int, 2> points_{0, 0};
  std::vector<Turn> turns_;
  bool over_ = false;
  bool last_turn_automatic_ = false;
};

}  // namespace arena::goofspiel
