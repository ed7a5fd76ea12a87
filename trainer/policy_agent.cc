#include "trainer/policy_agent.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "agents/builtin.h"
#include "games/api/params.h"
#include "games/api/rng.h"
#include "trainer/checkpoint.h"
#include "trainer/train.h"

namespace arena::trainer {

PolicyAgent::PolicyAgent(std::shared_ptr<Policy> policy, bool greedy, std::string spec)
    : policy_(std::move(policy)), greedy_(greedy), spec_(std::move(spec)) {}

void PolicyAgent::prepare(const Game& game) {
  if (policy_->slots().slot_of(game) < 0) {
    std::string games;
    for (const auto& g : policy_->slots().names()) games += (games.empty() ? "" : ", ") + g;
    throw Error("agent " + spec_ + " was trained on " + games + " and cannot play " + game.to_string());
  }
}

// The policy's masked log-probabilities of `player[i]`'s decision at `states[i]`, as float64 rows of max_actions.
torch::Tensor PolicyAgent::log_probs(const std::vector<const State*>& states, const std::vector<Player>& players) {
  FeatureBatch b;
  for (size_t i = 0; i < states.size(); ++i) {
    const int slot = policy_->slots().slot_of(states[i]->game());
    if (slot < 0) prepare(states[i]->game());
    b.add(policy_->slots(), slot, *states[i], players[i]);
  }
  torch::NoGradGuard guard;
  return policy_->log_probs(b).to(torch::kCPU).to(torch::kFloat64).contiguous();
}

std::vector<std::vector<double>> PolicyAgent::probabilities(const std::vector<const State*>& states,
                                                            const std::vector<Player>& players) {
  auto lp = log_probs(states, players);
  const double* p = lp.data_ptr<double>();
  const std::int64_t width = lp.size(1);
  std::vector<std::vector<double>> out(states.size());
  for (size_t i = 0; i < states.size(); ++i)
    for (Action a : states[i]->legal_actions()) out[i].push_back(std::exp(p[i * width + a]));
  return out;
}

std::optional<std::vector<double>> PolicyAgent::action_probabilities(const State& state, Player player) {
  return probabilities({&state}, {player})[0];
}

std::vector<Decision> PolicyAgent::act(std::span<const DecisionRequest> requests) {
  std::vector<const State*> states;
  std::vector<Player> players;
  for (const auto& r : requests) {
    states.push_back(r.state);
    players.push_back(r.player);
  }
  auto lp = log_probs(states, players);
  const double* p = lp.data_ptr<double>();
  const std::int64_t width = lp.size(1);
  std::vector<Decision> out(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const double* row = p + i * width;
    const auto legal = requests[i].state->legal_actions();
    Action chosen = legal.front();
    if (greedy_) {
      for (Action a : legal)
        if (row[a] > row[chosen]) chosen = a;
    } else {
      double total = 0;
      for (Action a : legal) total += std::exp(row[a]);
      Rng rng(requests[i].seed);
      const double u = rng.uniform() * total;
      double cum = 0;
      for (Action a : legal) {
        cum += std::exp(row[a]);
        chosen = a;
        if (u < cum) break;
      }
    }
    out[i].action = chosen;
    out[i].logprob = row[chosen];
  }
  return out;
}

std::shared_ptr<Policy> load_policy_checkpoint(const std::string& path) {
  auto dir = resolve_checkpoint_dir(path);
  auto policy = load_model(dir + "/model.safetensors");
  return policy;
}

void register_trainer_agents() {
  checkpoint_agent_factory() = [](const std::string& checkpoint, bool greedy, const std::string& spec) -> AgentPtr {
    return std::make_unique<PolicyAgent>(load_policy_checkpoint(checkpoint), greedy, spec);
  };
}

}  // namespace arena::trainer
