// The estimators' input: a flat batch of turns, one entry per turn in every array (structure of arrays, so a tensor
// adapter can pass its columns' storage straight through).
//
// A trajectory is one seat's turns in one match. Rows may come in any order; an estimator orders each trajectory's
// turns by `turn` (indices need not be contiguous, only distinct) and numbers trajectories by ascending id, which is
// also the order in which stateful estimators update their state. Within a trajectory, game and role are constant.
// Ids are arbitrary integer labels (they need not be dense). Rewards must be finite; token counts, when given, are
// ≥ 0 and make token-weighted statistics weigh a turn by its tokens (absent: every turn weighs 1, as if a turn were
// one token); a turn with 0 tokens is left out of token-weighted statistics but still gets an advantage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "trainer/estimators/options.h"

namespace arena::estimators {

struct TurnBatch {
  std::span<const double> reward;
  std::span<const std::int64_t> trajectory;  // one per match and seat
  std::span<const std::int64_t> turn;        // index of the turn within its trajectory
  std::span<const std::int64_t> game;
  std::span<const std::int64_t> role;        // seat
  std::span<const std::int64_t> group;       // e.g. a GRPO prompt group; SPO's prompt id
  std::span<const std::int64_t> tokens;      // optional: empty, or one count per turn

  std::size_t size() const { return reward.size(); }
  bool has_tokens() const { return !tokens.empty(); }
};

// Owning storage for a batch, for tests and small callers.
struct TurnRecord {
  std::int64_t trajectory = 0;
  std::int64_t turn = 0;
  double reward = 0;
  std::int64_t game = 0;
  std::int64_t role = 0;
  std::int64_t group = 0;
  std::int64_t tokens = -1;  // < 0: not given (then no turn of the batch may give it)
};
struct TurnBatchData {
  std::vector<double> reward;
  std::vector<std::int64_t> trajectory, turn, game, role, group, tokens;

  void add(const TurnRecord& r);
  TurnBatch view() const;
};

// Each trajectory's turns in order. Built once per batch; validates the batch (arena::Error naming the field and
// the row for mismatched sizes, non-finite rewards, negative tokens, a repeated (trajectory, turn), or a game or
// role that changes within a trajectory).
struct TrajectoryIndex {
  std::vector<std::size_t> order;      // rows sorted by (trajectory id, turn index)
  std::vector<std::size_t> offsets;    // trajectory j owns order[offsets[j] .. offsets[j+1])
  std::vector<std::int32_t> of_row;    // row → trajectory number j
  std::vector<std::int32_t> position;  // row → 0-based position of the turn within its trajectory
  std::vector<std::int64_t> id, game, role;  // per trajectory

  std::size_t size() const { return id.size(); }
  std::size_t length(std::size_t j) const { return offsets[j + 1] - offsets[j]; }
};
TrajectoryIndex index_trajectories(const TurnBatch& batch);

// Per-row weight for token-weighted statistics: the token count, or 1 when the batch has none.
std::vector<double> turn_weights(const TurnBatch& batch);

// Per-row discounted reward-to-go R_k = Σ_{k'≥k} γ^{k'−k} r_{k'} over the trajectory's turns in order (γ per turn).
std::vector<double> reward_to_go(const TurnBatch& batch, const TrajectoryIndex& index, double gamma);

// The samples of the outcome estimators (see SampleUnit). Keys are per sample; for unit trajectory the group must be
// constant within each trajectory (arena::Error otherwise) unless `uses_group` is false (then the group of the
// trajectory's first turn is recorded unchecked).
struct Samples {
  std::vector<double> score;
  std::vector<std::int64_t> group, game, role;
  std::vector<std::int64_t> num_turns;  // turns in the sample's trajectory
  std::vector<std::int32_t> of_row;     // row → sample
  std::size_t size() const { return score.size(); }
};
Samples make_samples(const TurnBatch& batch, const TrajectoryIndex& index, SampleUnit unit, bool uses_group = true);

// out[row] = per_sample[samples.of_row[row]].
std::vector<double> broadcast(const Samples& samples, std::span<const double> per_sample);

}  // namespace arena::estimators
