#include "trainer/evaluator.h"

#include <algorithm>

#include "agents/tabular/best_response.h"
#include "arena/runner.h"
#include "games/api/params.h"
#include "games/api/rng.h"

namespace arena::trainer {
namespace {
constexpr std::uint64_t kEvalStream = 0xE7A1;
}

bool cooperative(const Game& game) { return game.type().utility == Utility::kIdentical; }

Evaluator::Evaluator(const TrainConfig& config, const GameSlots& slots) : config_(config), slots_(slots) {
  for (int s = 0; s < slots_.size(); ++s) {
    const auto& game = slots_.game(s);
    std::unique_ptr<GameTree> tree;
    const auto u = game->type().utility;
    if (config_.eval.exploitability && game->num_players() == 2 &&
        (u == Utility::kZeroSum || u == Utility::kConstantSum)) {
      try {
        tree = std::make_unique<GameTree>(GameTree::build(game, config_.eval.max_tree_nodes));
      } catch (const Error&) {
        tree.reset();  // too large to enumerate: no exact exploitability for this game
      }
    }
    trees_.push_back(std::move(tree));
    opponents_.emplace_back();
    if (!cooperative(*game))
      for (const auto& spec : config_.eval.opponents) {
        opponents_.back().push_back(make_agent(spec));
        opponents_.back().back()->prepare(*game);
      }
  }
}

std::vector<std::string> Evaluator::keys() const {
  std::vector<std::string> out;
  for (int s = 0; s < slots_.size(); ++s) {
    const auto& name = slots_.names()[s];
    if (trees_[s]) out.push_back("exploitability/" + name);
    if (cooperative(*slots_.game(s))) {
      out.push_back("eval/" + name + "/self_play/return");
      continue;
    }
    for (const auto& spec : config_.eval.opponents)
      for (int p = 0; p < slots_.game(s)->num_players(); ++p)
        for (const char* what : {"return", "win", "loss"})
          out.push_back("eval/" + name + "/" + spec + "/p" + std::to_string(p) + "/" + what);
  }
  return out;
}

std::vector<std::vector<double>> Evaluator::play(Agent& policy, Agent* opponent, int slot, int seat,
                                                 std::uint64_t stream) const {
  const auto& game = slots_.game(slot);
  std::vector<MatchJob> jobs(static_cast<size_t>(config_.eval.episodes));
  for (size_t k = 0; k < jobs.size(); ++k) {
    jobs[k].idx = static_cast<std::int64_t>(k);
    jobs[k].game = game;
    jobs[k].seats.assign(game->num_players(), opponent ? 1 : 0);
    if (opponent) jobs[k].seats[seat] = 0;
    jobs[k].seed = derive_seed(derive_seed(config_.seed ^ kEvalStream, stream), k);
  }
  RunnerOptions ropt;
  ropt.threads = 1;
  ropt.max_in_flight = config_.max_in_flight;
  ropt.invalid = InvalidActionPolicy::parse(config_.invalid, 0);
  ropt.record_observations = false;
  std::vector<Agent*> agents{&policy};
  if (opponent) agents.push_back(opponent);
  std::vector<std::vector<double>> returns;
  MatchRunner(agents, ropt).run(jobs, [](const MatchJob&) {}, [&](MatchOutcome&& o) { returns.push_back(o.returns); });
  return returns;
}

Metrics Evaluator::evaluate(Agent& policy, const BatchProbabilities& probabilities) const {
  Metrics m;
  for (int s = 0; s < slots_.size(); ++s) {
    const auto& name = slots_.names()[s];
    const auto& game = slots_.game(s);
    if (trees_[s])
      m.emplace_back("exploitability/" + name, exploitability(*trees_[s], flat_policy(*trees_[s], probabilities)));
    if (cooperative(*game)) {
      auto rets = play(policy, nullptr, s, 0, 1000 + static_cast<std::uint64_t>(s));
      double total = 0;
      for (auto& r : rets) total += r[0];
      m.emplace_back("eval/" + name + "/self_play/return", total / static_cast<double>(rets.size()));
      continue;
    }
    for (size_t o = 0; o < opponents_[s].size(); ++o)
      for (int seat = 0; seat < game->num_players(); ++seat) {
        auto rets = play(policy, opponents_[s][o].get(), s, seat,
                         static_cast<std::uint64_t>(s) * 10007 + o * 101 + static_cast<std::uint64_t>(seat));
        double total = 0, win = 0, loss = 0;
        for (auto& r : rets) {
          total += r[seat];
          double best_other = -1e300;
          for (int q = 0; q < game->num_players(); ++q)
            if (q != seat) best_other = std::max(best_other, r[q]);
          win += r[seat] > best_other;
          loss += r[seat] < best_other;
        }
        const double n = static_cast<double>(rets.size());
        const std::string key = "eval/" + name + "/" + config_.eval.opponents[o] + "/p" + std::to_string(seat);
        m.emplace_back(key + "/return", total / n);
        m.emplace_back(key + "/win", win / n);
        m.emplace_back(key + "/loss", loss / n);
      }
  }
  return m;
}

}  // namespace arena::trainer
