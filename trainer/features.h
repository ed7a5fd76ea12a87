// What a policy over tensors reads, without torch: the games a policy plays (its slots) and batches of decision
// features built from states. Torch code turns a FeatureBatch into tensors; everything here is plain C++ so that
// rollouts, tests and tools can build batches without including torch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agents/tabular/game_tree.h"
#include "games/api/game.h"

namespace arena::trainer {

// The games of a policy, in a fixed order (slot = index). Actions are padded to the largest action count of any
// slot (`max_actions`); observation sizes stay per slot (an MLP has one input layer per slot).
class GameSlots {
 public:
  // `tabular`: also enumerate each game's tree and number the information sets (arena::Error if one is too large).
  GameSlots(const std::vector<std::string>& games, bool tabular, std::int64_t max_tree_nodes = 2'000'000);

  int size() const { return static_cast<int>(games_.size()); }
  const GamePtr& game(int slot) const { return games_[slot]; }
  const std::vector<std::string>& names() const { return names_; }
  int obs_size(int slot) const { return obs_size_[slot]; }
  int num_actions(int slot) const { return num_actions_[slot]; }
  int max_actions() const { return max_actions_; }
  // -1 when the game is not one of the slots.
  int slot_of(const Game& game) const;
  int slot_of(const std::string& canonical) const;

  bool tabular() const { return !trees_.empty(); }
  std::int64_t num_infosets() const { return num_infosets_; }
  const GameTree& tree(int slot) const { return *trees_[slot]; }
  std::int64_t infoset_offset(int slot) const { return infoset_offset_[slot]; }
  // The global information-set index of `player`'s decision at `state`; arena::Error when the tree lacks it.
  std::int64_t infoset_index(int slot, const State& state, Player player) const;

 private:
  std::vector<GamePtr> games_;
  std::vector<std::string> names_;
  std::vector<int> obs_size_, num_actions_;
  int max_actions_ = 0;
  std::vector<std::unique_ptr<GameTree>> trees_;
  std::vector<std::int64_t> infoset_offset_;
  std::int64_t num_infosets_ = 0;
};

// One row per decision. Observations of different slots have different sizes, so they are stored per row with
// offsets; legal masks are rows × max_actions.
struct FeatureBatch {
  int max_actions = 0;
  std::vector<int> slot;
  std::vector<std::int64_t> obs_offset;  // row r's observation is obs[obs_offset[r] .. + obs_size(slot[r]))
  std::vector<float> obs;
  std::vector<std::uint8_t> legal;       // rows × max_actions
  std::vector<std::int64_t> infoset;     // tabular slots: the global information-set index; else -1

  std::size_t size() const { return slot.size(); }
  void clear();
  void add(const GameSlots& slots, int slot_index, const State& state, Player player);
  // The rows `rows` of this batch, in that order.
  FeatureBatch select(const std::vector<std::int64_t>& rows) const;
};

}  // namespace arena::trainer
