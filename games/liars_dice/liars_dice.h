// Liar's dice, rules, action ids and payoffs as OpenSpiel's `liars_dice` with 2 players. Each player rolls
// `numdice` private dice of `dice_sides` faces; chance rolls player 0's dice first, then player 1's (outcome o is face
// o + 1). Player 0 bids first; each bid must be higher than the previous one, or the player calls the last bid a lie.
// On a call every die is counted: a die matches the bid's face when it shows that face or the highest face (wild).
// If at least `quantity` dice match, the bidder wins (+1) and the caller loses (-1); otherwise the caller wins.
//
// Ids with T = 2 * numdice total dice and S = dice_sides: under `bidding_rule=reset-face` (default) a bid of
// quantity q and face f is (q - 1) * S + (f - 1), so bids rise by quantity, then face; under `reset-quantity` it is
// (f - 1) * T + (q - 1), rising by face, then quantity. LIAR is T * S. A higher bid is a larger id.
#pragma once

#include <array>
#include <vector>

#include "games/api/game.h"

namespace arena::liars_dice {

inline constexpr int kMaxDicePerPlayer = 5;

enum class BiddingRule { kResetFace, kResetQuantity };

class LiarsDiceGame : public Game {
 public:
  LiarsDiceGame(GameType type, GameParams params);
  int num_players() const override { return 2; }
  int num_distinct_actions() const override { return total_dice_ * sides_ + 1; }
  int max_chance_outcomes() const override { return sides_; }
  // Every die is rolled, then at most every bid once, then LIAR.
  int max_game_length() const override { return total_dice_ + total_dice_ * sides_ + 1; }
  // Player one-hot (2), one face one-hot per own die (sorted), one bit per bid made and one for LIAR.
  std::vector<int> observation_tensor_shape() const override {
    return {2 + dice_per_player_ * sides_ + total_dice_ * sides_ + 1};
  }
  double min_utility() const override { return -1; }
  double max_utility() const override { return 1; }
  std::string rules_text() const override;
  std::unique_ptr<State> new_initial_state() const override;

  int dice_per_player() const { return dice_per_player_; }
  int total_dice() const { return total_dice_; }
  int sides() const { return sides_; }
  BiddingRule bidding_rule() const { return rule_; }
  Action liar_action() const { return total_dice_ * sides_; }
  int quantity(Action bid) const;
  int face(Action bid) const;

 private:
  int dice_per_player_;
  int total_dice_;
  int sides_;
  BiddingRule rule_;
};

class LiarsDiceState : public State {
 public:
  explicit LiarsDiceState(GamePtr game);
  Player current_player() const override;
  std::vector<Action> legal_actions() const override;
  std::vector<std::pair<Action, double>> chance_outcomes() const override;
  std::vector<double> returns() const override;
  std::unique_ptr<State> clone() const override { return std::make_unique<LiarsDiceState>(*this); }
  std::string observation_text(Player p) const override;
  std::string information_state(Player p) const override;
  void observation_tensor(Player p, std::span<float> out) const override;
  nlohmann::json to_json(Player p) const override;
  std::string action_to_string(Player p, Action a) const override;
  std::string to_string() const override;
  bool chance_outcome_hidden_from(Player p) const override { return is_chance_node() && p != roller(); }

  // Faces (1-based) of p's dice rolled so far, ascending.
  std::vector<int> dice(Player p) const;
  const std::vector<Action>& bids() const { return bids_; }  // bids and the final LIAR, in order
  // Dice matching the last bid's face (wild faces included); -1 before any bid.
  int matching_dice() const;

 protected:
  void do_apply_action(Action a) override;

 private:
  const LiarsDiceGame& ld() const { return *ld_; }
  Player roller() const { return rolled_ / ld().dice_per_player(); }
  bool called() const { return !bids_.empty() && bids_.back() == ld().liar_action(); }
  Player winner() const;

  const LiarsDiceGame* ld_;
  std::array<std::array<int, kMaxDicePerPlayer>, 2> dice_{};  // faces, ascending within the rolled prefix
  std::array<int, 2> num_rolled_{0, 0};
  int rolled_ = 0;
  std::vector<Action> bids_;
};

}  // namespace arena::liars_dice
