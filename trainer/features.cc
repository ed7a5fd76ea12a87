#include "trainer/features.h"

#include "games/api/params.h"
#include "games/api/registry.h"

namespace arena::trainer {

GameSlots::GameSlots(const std::vector<std::string>& games, bool tabular, std::int64_t max_tree_nodes) {
  if (games.empty()) throw Error("a policy needs at least one game");
  for (const auto& g : games) {
    auto game = load_game(g);
    if (slot_of(*game) >= 0) throw Error("game " + game->to_string() + " is listed twice");
    names_.push_back(game->to_string());
    obs_size_.push_back(game->observation_tensor_size());
    num_actions_.push_back(game->num_distinct_actions());
    max_actions_ = std::max(max_actions_, game->num_distinct_actions());
    if (tabular) {
      infoset_offset_.push_back(num_infosets_);
      try {
        trees_.push_back(std::make_unique<GameTree>(GameTree::build(game, max_tree_nodes)));
      } catch (const Error& e) {
        throw Error("a tabular policy needs every information set of " + game->to_string() + ": " + e.what());
      }
      num_infosets_ += static_cast<std::int64_t>(trees_.back()->infosets().size());
    }
    games_.push_back(std::move(game));
  }
}

int GameSlots::slot_of(const std::string& canonical) const {
  for (int i = 0; i < size(); ++i)
    if (names_[i] == canonical) return i;
  return -1;
}

int GameSlots::slot_of(const Game& game) const { return slot_of(game.to_string()); }

std::int64_t GameSlots::infoset_index(int slot, const State& state, Player player) const {
  const int k = trees_[slot]->find_infoset(player, state.information_state(player));
  if (k < 0)
    throw Error("information set '" + state.information_state(player) + "' of player " + std::to_string(player) +
                " is not in the tree of " + names_[slot]);
  return infoset_offset_[slot] + k;
}

void FeatureBatch::clear() {
  slot.clear();
  obs_offset.clear();
  obs.clear();
  legal.clear();
  infoset.clear();
}

void FeatureBatch::add(const GameSlots& slots, int slot_index, const State& state, Player player) {
  max_actions = slots.max_actions();
  slot.push_back(slot_index);
  obs_offset.push_back(static_cast<std::int64_t>(obs.size()));
  const size_t n = static_cast<size_t>(slots.obs_size(slot_index));
  obs.resize(obs.size() + n, 0.0f);
  state.observation_tensor(player, std::span<float>(obs.data() + obs.size() - n, n));
  const size_t base = legal.size();
  legal.resize(base + static_cast<size_t>(max_actions), 0);
  for (Action a : state.legal_actions()) legal[base + static_cast<size_t>(a)] = 1;
  infoset.push_back(slots.tabular() ? slots.infoset_index(slot_index, state, player) : -1);
}

FeatureBatch FeatureBatch::select(const std::vector<std::int64_t>& rows) const {
  FeatureBatch out;
  out.max_actions = max_actions;
  for (auto r : rows) {
    out.slot.push_back(slot[r]);
    out.obs_offset.push_back(static_cast<std::int64_t>(out.obs.size()));
    const std::int64_t end = static_cast<size_t>(r) + 1 < slot.size() ? obs_offset[r + 1]
                                                                        : static_cast<std::int64_t>(obs.size());
    out.obs.insert(out.obs.end(), obs.begin() + obs_offset[r], obs.begin() + end);
    out.legal.insert(out.legal.end(), legal.begin() + r * max_actions, legal.begin() + (r + 1) * max_actions);
    out.infoset.push_back(infoset[r]);
  }
  return out;
}

}  // namespace arena::trainer
