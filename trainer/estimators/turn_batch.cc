#include "trainer/estimators/turn_batch.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "games/api/params.h"
#include "trainer/estimators/primitives.h"

namespace arena::estimators {

void TurnBatchData::add(const TurnRecord& r) {
  reward.push_back(r.reward);
  trajectory.push_back(r.trajectory);
  turn.push_back(r.turn);
  game.push_back(r.game);
  role.push_back(r.role);
  group.push_back(r.group);
  if (r.tokens >= 0) tokens.push_back(r.tokens);
}

TurnBatch TurnBatchData::view() const { return {reward, trajectory, turn, game, role, group, tokens}; }

TrajectoryIndex index_trajectories(const TurnBatch& batch) {
  const std::size_t n = batch.size();
  auto check_size = [&](std::size_t size, const char* field) {
    if (size != n)
      throw Error(std::string("turn batch: field '") + field + "' has " + std::to_string(size) +
                  " entries, expected one per turn (" + std::to_string(n) + ")");
  };
  check_size(batch.trajectory.size(), "trajectory");
  check_size(batch.turn.size(), "turn");
  check_size(batch.game.size(), "game");
  check_size(batch.role.size(), "role");
  check_size(batch.group.size(), "group");
  if (batch.has_tokens()) check_size(batch.tokens.size(), "tokens");
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(batch.reward[i]))
      throw Error("turn batch: reward of row " + std::to_string(i) + " is not finite");
    if (batch.has_tokens() && batch.tokens[i] < 0)
      throw Error("turn batch: tokens of row " + std::to_string(i) + " is negative (" +
                  std::to_string(batch.tokens[i]) + ")");
  }

  TrajectoryIndex index;
  index.order.resize(n);
  std::iota(index.order.begin(), index.order.end(), std::size_t{0});
  std::sort(index.order.begin(), index.order.end(), [&](std::size_t a, std::size_t b) {
    if (batch.trajectory[a] != batch.trajectory[b]) return batch.trajectory[a] < batch.trajectory[b];
    return batch.turn[a] < batch.turn[b];
  });
  index.of_row.assign(n, 0);
  index.position.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t row = index.order[i];
    const bool starts = i == 0 || batch.trajectory[index.order[i - 1]] != batch.trajectory[row];
    if (starts) {
      index.offsets.push_back(i);
      index.id.push_back(batch.trajectory[row]);
      index.game.push_back(batch.game[row]);
      index.role.push_back(batch.role[row]);
    } else {
      const std::size_t prev = index.order[i - 1];
      const std::string where = "trajectory " + std::to_string(batch.trajectory[row]) + " (rows " +
                                std::to_string(prev) + " and " + std::to_string(row) + ")";
      if (batch.turn[prev] == batch.turn[row])
        throw Error("turn batch: turn " + std::to_string(batch.turn[row]) + " appears twice in " + where);
      if (batch.game[prev] != batch.game[row]) throw Error("turn batch: game changes within " + where);
      if (batch.role[prev] != batch.role[row]) throw Error("turn batch: role changes within " + where);
    }
    index.of_row[row] = static_cast<std::int32_t>(index.id.size() - 1);
    index.position[row] = starts ? 0 : index.position[index.order[i - 1]] + 1;
  }
  index.offsets.push_back(n);
  return index;
}

std::vector<double> turn_weights(const TurnBatch& batch) {
  std::vector<double> w(batch.size(), 1.0);
  if (batch.has_tokens())
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<double>(batch.tokens[i]);
  return w;
}

std::vector<double> reward_to_go(const TurnBatch& batch, const TrajectoryIndex& index, double gamma) {
  const std::size_t n = batch.size();
  std::vector<double> ordered(n);
  for (std::size_t i = 0; i < n; ++i) ordered[i] = batch.reward[index.order[i]];
  segmented_reverse_scan(index.offsets, ordered, gamma, ordered);
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) out[index.order[i]] = ordered[i];
  return out;
}

Samples make_samples(const TurnBatch& batch, const TrajectoryIndex& index, SampleUnit unit, bool uses_group) {
  Samples s;
  const std::size_t n = batch.size();
  if (unit == SampleUnit::kTurn) {
    s.score = reward_to_go(batch, index, 1.0);
    s.group.assign(batch.group.begin(), batch.group.end());
    s.game.assign(batch.game.begin(), batch.game.end());
    s.role.assign(batch.role.begin(), batch.role.end());
    s.num_turns.resize(n);
    s.of_row.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      s.num_turns[i] = static_cast<std::int64_t>(index.length(index.of_row[i]));
      s.of_row[i] = static_cast<std::int32_t>(i);
    }
    return s;
  }
  const std::size_t m = index.size();
  s.score.assign(m, 0.0);
  s.game = index.game;
  s.role = index.role;
  s.group.resize(m);
  s.num_turns.resize(m);
  for (std::size_t j = 0; j < m; ++j) {
    s.group[j] = batch.group[index.order[index.offsets[j]]];
    s.num_turns[j] = static_cast<std::int64_t>(index.length(j));
    for (std::size_t i = index.offsets[j]; i < index.offsets[j + 1]; ++i) {
      const std::size_t row = index.order[i];
      if (uses_group && batch.group[row] != s.group[j])
        throw Error("turn batch: group changes within trajectory " + std::to_string(index.id[j]) +
                    " (row " + std::to_string(row) + "); with unit 'trajectory' a trajectory belongs to one group");
      s.score[j] += batch.reward[row];
    }
  }
  s.of_row = index.of_row;
  return s;
}

std::vector<double> broadcast(const Samples& samples, std::span<const double> per_sample) {
  std::vector<double> out(samples.of_row.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = per_sample[samples.of_row[i]];
  return out;
}

}  // namespace arena::estimators
