#include "agents/tabular/tabular_agents.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include "agents/tabular/best_response.h"
#include "agents/tabular/cfr.h"
#include "games/api/registry.h"
#include "games/api/rng.h"

namespace arena {

std::vector<double> probabilities_at(const TabularPolicy& policy, const State& state, Player player) {
  const std::string info = state.information_state(player);
  const auto* entry = policy.find(info);
  if (!entry)
    throw Error("policy for " + policy.game() + " has no entry for information state '" + info + "' (game " +
                state.game().to_string() + ")");
  auto legal = state.legal_actions();
  std::vector<double> probs(legal.size(), 0.0);
  double total = 0;
  for (auto [a, p] : *entry) {
    auto it = std::find(legal.begin(), legal.end(), a);
    if (it == legal.end()) throw Error("policy gives illegal action " + std::to_string(a) + " at '" + info + "'");
    probs[it - legal.begin()] = p;
    total += p;
  }
  if (!(total > 0)) throw Error("policy probabilities at '" + info + "' sum to 0");
  for (double& p : probs) p /= total;
  return probs;
}

namespace {

Decision sample(const State& state, const std::vector<double>& probs, std::uint64_t seed) {
  auto legal = state.legal_actions();
  Rng rng(seed);
  double u = rng.uniform(), acc = 0;
  size_t k = 0;
  for (; k + 1 < probs.size(); ++k) {
    acc += probs[k];
    if (u < acc) break;
  }
  while (probs[k] == 0 && k > 0) --k;  // never pick a zero-probability action through rounding
  Decision d;
  d.action = legal[k];
  d.logprob = std::log(probs[k]);
  return d;
}

std::filesystem::path cache_dir() {
  if (const char* d = std::getenv("ARENA_CACHE_DIR"); d && *d) return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::filesystem::path(d) / "arena";
  if (const char* h = std::getenv("HOME"); h && *h) return std::filesystem::path(h) / ".cache" / "arena";
  return std::filesystem::temp_directory_path() / "arena-cache";
}

std::string file_safe(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') ? c : '_';
  return out;
}

}  // namespace

std::vector<Decision> TabularPolicyAgent::act(std::span<const DecisionRequest> requests) {
  std::vector<Decision> out;
  for (const auto& r : requests) out.push_back(sample(*r.state, probabilities_at(policy_, *r.state, r.player), r.seed));
  return out;
}

std::optional<std::vector<double>> TabularPolicyAgent::action_probabilities(const State& state, Player player) {
  return probabilities_at(policy_, state, player);
}

TabularPolicy solve_cached(const GamePtr& game, const SolveOptions& o, std::string* cache_path) {
  const std::string tag = o.target > 0 ? "target" + std::to_string(o.target) : "it" + std::to_string(o.iterations);
  auto path = cache_dir() / ("policy-" + file_safe(game->to_string()) + "-" + file_safe(o.algorithm) + "-" + tag +
                             ".json");
  if (cache_path) *cache_path = path.string();
  if (std::filesystem::exists(path)) {
    try {
      auto p = TabularPolicy::load(path.string());
      if (p.game() == game->to_string()) return p;
    } catch (const Error&) {
      // A damaged cache entry is recomputed below.
    }
  }
  check_cfr_applicable(*game);
  auto tree = GameTree::build(game);
  CfrSolver solver(tree, parse_cfr_algorithm(o.algorithm));
  if (o.target > 0) {
    while (solver.iterations() < o.max_iterations) {
      for (int k = 0; k < 10; ++k) solver.iterate();
      if (exploitability(tree, solver.average_policy()) <= o.target) break;
    }
  } else {
    for (int i = 0; i < o.iterations; ++i) solver.iterate();
  }
  auto policy = TabularPolicy::from_flat(tree, solver.average_policy());
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  auto tmp = path.string() + ".tmp" + std::to_string(::getpid());
  try {
    policy.save(tmp);
    std::filesystem::rename(tmp, path, ec);
  } catch (const Error&) {
    // An unwritable cache only costs a re-solve next time.
  }
  return policy;
}

void SolvingAgent::prepare(const Game& game) {
  const std::string g = game.to_string();
  if (game_ && load_game(*game_)->to_string() != g)
    throw Error("agent " + spec_ + " was configured for " + *game_ + " but is asked to play " + g);
  if (game.type().information == Information::kPerfect)
    throw Error("agent " + spec_ + " solves imperfect-information games; " + g +
                " has perfect information: use minimax (exact) or mcts");
  check_cfr_applicable(game);
}

void TabularPolicyAgent::prepare(const Game& game) {
  if (policy_.game() != game.to_string())
    throw Error("agent " + spec_ + " holds a policy for " + policy_.game() + ", not " + game.to_string());
}

const TabularPolicy& SolvingAgent::policy_for(const Game& game) {
  std::lock_guard lock(mu_);
  const std::string g = game.to_string();
  auto it = policies_.find(g);
  if (it == policies_.end()) prepare(game);
  if (it == policies_.end())
    it = policies_.emplace(g, std::make_unique<TabularPolicy>(solve_cached(game.shared(), options_))).first;
  return *it->second;
}

std::vector<Decision> SolvingAgent::act(std::span<const DecisionRequest> requests) {
  std::vector<Decision> out;
  for (const auto& r : requests) {
    const auto& policy = policy_for(r.state->game());
    out.push_back(sample(*r.state, probabilities_at(policy, *r.state, r.player), r.seed));
  }
  return out;
}

std::optional<std::vector<double>> SolvingAgent::action_probabilities(const State& state, Player player) {
  return probabilities_at(policy_for(state.game()), state, player);
}

}  // namespace arena
