// Hanabi, rules, action ids, chance outcome ids and rewards as the Hanabi Learning Environment (OpenSpiel's `hanabi`).
//
// Cooperative, 2 to 5 players. The deck has `colors` colors of `ranks` ranks; per color, the lowest rank has three
// copies, the highest rank one, every other rank two (with a single rank: three copies). Players see every hand but
// their own. A turn is one of: discard a card (gains an information token; illegal at the maximum), play a card (it
// extends its color's firework when its rank is the next one, and completing a firework returns a token if below the
// maximum; otherwise it is discarded and costs a life token), or reveal to another player every card of one color or
// one rank in their hand (costs a token; must touch at least one card). A played or discarded card is replaced from
// the deck while it lasts. The game ends when the last life token is lost (score 0), when every firework is complete,
// or when every player has had one more turn after the deck ran out. Score = sum of firework heights; each step pays
// every player the change in score, so losing the last life pays minus the score so far. (OpenSpiel's wrapper
// reports a play's reward again at the draw that follows it; here it is paid once, so rewards sum to the returns.)
//
// Ids: card type = color * ranks + rank (colors R Y G W B, ranks 0-based), the chance outcome of every draw. Player
// actions: discard slot i = i, play slot i = hand_size + i, reveal color c to player +k = 2*hand_size +
// (k-1)*colors + c, reveal rank r to player +k = 2*hand_size + (players-1)*colors + (k-1)*ranks + r. Cards leave a
// hand by shifting the later slots left; a drawn card goes to the last slot. The initial deal fills player 0's hand,
// then player 1's, and so on; player 0 moves first.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "games/api/game.h"

namespace arena::hanabi {

inline constexpr int kMaxPlayers = 5;
inline constexpr int kMaxColors = 5;
inline constexpr int kMaxRanks = 5;
inline constexpr int kMaxHandSize = 5;
inline constexpr int kMaxCardTypes = kMaxColors * kMaxRanks;
inline constexpr char kColorLetters[kMaxColors + 1] = "RYGWB";

enum class MoveType : std::int8_t { kDiscard, kPlay, kRevealColor, kRevealRank };

struct Move {
  MoveType type;
  int index = -1;   // card slot for play and discard
  int offset = 0;   // target seat relative to the actor (1..players-1) for reveals
  int value = -1;   // color or rank revealed
};

struct Config {
  int players = 2;
  int colors = 5;
  int ranks = 5;
  int hand_size = 5;
  int max_info = 8;
  int max_life = 3;
  int deck_size = 0;                       // all cards
  std::array<int, kMaxCardTypes> copies{};  // copies of each card type
};

class HanabiGame : public Game {
 public:
  HanabiGame(GameType type, GameParams params);
  const Config& config() const { return cfg_; }
  int num_players() const override { return cfg_.players; }
  int num_distinct_actions() const override;
  int max_chance_outcomes() const override { return cfg_.colors * cfg_.ranks; }
  int max_game_length() const override;
  std::vector<int> observation_tensor_shape() const override;
  double min_utility() const override { return 0; }
  double max_utility() const override { return cfg_.colors * cfg_.ranks; }
  std::string rules_text() const override;
  std::unique_ptr<State> new_initial_state() const override;

  Move decode(Action a) const;
  std::string card_string(int card) const;  // "R1" (rank shown 1-based)

 private:
  Config cfg_;
};

// What a player knows about one card in their hand, from the hints received while holding it.
struct CardKnowledge {
  std::uint8_t colors = 0;  // bitmask of colors still possible
  std::uint8_t ranks = 0;   // bitmask of ranks still possible
  std::int8_t color = -1;   // color revealed directly, -1 if none
  std::int8_t rank = -1;    // rank revealed directly, -1 if none
};

// The most recent player move, as every player saw it.
struct LastMove {
  std::int8_t player = -1;  // -1: no move yet
  MoveType type = MoveType::kPlay;
  std::int8_t target = -1;  // absolute seat of a reveal's target
  std::int8_t value = -1;   // color or rank revealed
  std::uint8_t reveal_mask = 0;
  std::int8_t index = -1;   // slot played or discarded
  std::int8_t card = -1;    // card played or discarded
  bool scored = false;
  bool info_added = false;
};

class HanabiState : public State {
 public:
  explicit HanabiState(GamePtr game);
  Player current_player() const override;
  std::vector<Action> legal_actions() const override;
  std::vector<std::pair<Action, double>> chance_outcomes() const override;
  std::vector<double> rewards() const override;
  std::vector<double> returns() const override;
  std::unique_ptr<State> clone() const override { return std::make_unique<HanabiState>(*this); }
  std::string observation_text(Player p) const override;
  std::string information_state(Player p) const override;
  void observation_tensor(Player p, std::span<float> out) const override;
  nlohmann::json to_json(Player p) const override;
  std::string action_to_string(Player p, Action a) const override;
  std::string to_string() const override;
  bool chance_outcome_hidden_from(Player p) const override;
  // MARS's invalid-move penalty is minus the score so far, minus 10.
  double forfeit_loss(Player) const override { return score_; }

  int score() const { return score_; }
  int information_tokens() const { return info_; }
  int life_tokens() const { return life_; }
  int deck_size() const { return deck_size_; }
  int firework(int color) const { return fireworks_[color]; }
  int hand_length(Player p) const { return hand_len_[p]; }
  int card(Player p, int slot) const { return hands_[p][slot]; }
  const CardKnowledge& knowledge(Player p, int slot) const { return know_[p][slot]; }
  int discarded(int card_type) const { return discards_[card_type]; }

 protected:
  void do_apply_action(Action a) override;

 private:
  // One entry per history action: who acted (kChancePlayer for draws) and what everyone learned besides the id:
  // the recipient of a draw, the card of a play or discard, the slots a reveal touched.
  struct Event {
    std::int8_t actor;
    std::int8_t aux;
    std::uint8_t mask;
  };
  void deal(int card);
  void apply_move(const Move& m);
  void remove_card(Player p, int slot);
  bool can_deal() const { return deal_to_ >= 0; }
  std::uint8_t color_mask(Player p) const;
  std::uint8_t rank_mask(Player p) const;
  std::string knowledge_string(const CardKnowledge& k) const;
  std::string move_string(Player viewer, size_t event) const;
  std::vector<size_t> recent_moves() const;

  const Config* cfg_;
  std::array<std::array<std::int8_t, kMaxHandSize>, kMaxPlayers> hands_{};
  std::array<std::array<CardKnowledge, kMaxHandSize>, kMaxPlayers> know_{};
  std::array<std::int8_t, kMaxPlayers> hand_len_{};
  std::array<std::int8_t, kMaxCardTypes> deck_{};
  std::array<std::int8_t, kMaxCardTypes> discards_{};
  std::array<std::int8_t, kMaxColors> fireworks_{};
  int deck_size_ = 0;
  int info_ = 0;
  int life_ = 0;
  int score_ = 0;
  int reward_ = 0;
  int to_move_ = 0;      // seat whose turn it is (after any pending draw)
  int deal_to_ = 0;      // seat receiving the pending draw, -1 if none
  int turns_left_ = 0;   // turns left once the deck is empty
  bool terminal_ = false;
  LastMove last_;
  std::vector<Event> events_;
};

}  // namespace arena::hanabi
