#include "agents/builtin.h"

#include <iostream>

#include "agents/hanabi_rules_agent.h"
#include "agents/human_agent.h"
#include "agents/mcts_agent.h"
#include "agents/random_agent.h"
#include "agents/tabular/minimax.h"
#include "agents/tabular/tabular_agents.h"

namespace arena {

CheckpointAgentFactory& checkpoint_agent_factory() {
  static CheckpointAgentFactory f;
  return f;
}

void register_builtin_agents() {
  static bool done = false;
  if (done) return;
  done = true;
  auto& r = AgentRegistry::global();
  r.add({"random", "uniformly random legal moves", {},
         [](const GameParams&, const std::string&) -> AgentPtr { return std::make_unique<RandomAgent>(); }});
  r.add({"mcts", "UCT search with random rollouts (over determinizations in imperfect-information games)",
         {int_param("sims", 1000, 1, 10000000, "simulations per move"),
          double_param("uct_c", 2.0, 0, {}, "exploration constant"),
          int_param("rollouts", 1, 1, 1000, "random playouts averaged at each new leaf")},
         [](const GameParams& p, const std::string& spec) -> AgentPtr {
           MctsOptions o;
           o.simulations = static_cast<int>(p.get_int("sims"));
           o.uct_c = p.get_double("uct_c");
           o.rollouts = static_cast<int>(p.get_int("rollouts"));
           return std::make_unique<MctsAgent>(o, spec);
         }});
  r.add({"minimax", "optimal play in small perfect-information two-player zero-sum games (exact retrograde search)",
         {int_param("max_states", 20000000, 1, {}, "refuse positions needing more memoized states than this")},
         [](const GameParams& p, const std::string&) -> AgentPtr {
           return std::make_unique<MinimaxAgent>(p.get_int("max_states"));
         }});
  r.add({"policy", "plays a tabular policy file (path=, see arena solve) or a trained checkpoint (checkpoint=, see arena train)",
         {string_param("path", "", {}, "tabular policy JSON file"),
          string_param("checkpoint", "", {}, "a training run's directory (its latest checkpoint) or one checkpoint directory"),
          bool_param("greedy", false, "checkpoint policies: play the most probable action instead of sampling")},
         [](const GameParams& p, const std::string& spec) -> AgentPtr {
           const auto path = p.get_string("path"), checkpoint = p.get_string("checkpoint");
           if (path.empty() == checkpoint.empty())
             throw Error("agent 'policy' needs exactly one of path=FILE (a tabular policy) or checkpoint=DIR (a trained one)");
           if (!checkpoint.empty()) {
             if (!checkpoint_agent_factory())
               throw Error("agent 'policy(checkpoint=...)' needs the trainer, and this build has no LibTorch");
             return checkpoint_agent_factory()(checkpoint, p.get_bool("greedy"), spec);
           }
           return std::make_unique<TabularPolicyAgent>(TabularPolicy::load(path), spec);
         }});
  r.add({"cfr", "the CFR average policy of the game it plays, solved on first use and cached",
         {string_param("game", "", {}, "only this game (default: whatever game it is asked to play)"),
          int_param("iterations", 1000, 1, 10000000, "CFR iterations"),
          string_param("algo", "cfr+", {"cfr", "cfr+"}, "vanilla CFR or CFR+")},
         [](const GameParams& p, const std::string& spec) -> AgentPtr {
           SolveOptions o;
           o.algorithm = p.get_string("algo");
           o.iterations = static_cast<int>(p.get_int("iterations"));
           std::optional<std::string> game;
           if (!p.get_string("game").empty()) game = p.get_string("game");
           return std::make_unique<SolvingAgent>(game, o, spec);
         }});
  r.add({"nash", "an approximate Nash equilibrium (CFR+ until exploitability <= target), solved on first use and cached",
         {string_param("game", "", {}, "only this game (default: whatever game it is asked to play)"),
          double_param("target", 0.001, 1e-9, {}, "exploitability to reach")},
         [](const GameParams& p, const std::string& spec) -> AgentPtr {
           SolveOptions o;
           o.target = p.get_double("target");
           std::optional<std::string> game;
           if (!p.get_string("game").empty()) game = p.get_string("game");
           return std::make_unique<SolvingAgent>(game, o, spec);
         }});
  r.add({"hanabi_rules", "a rule-based Hanabi player: plays proven-playable cards, hints playable cards, discards safely",
         {}, [](const GameParams&, const std::string&) -> AgentPtr { return std::make_unique<HanabiRulesAgent>(); }});
  r.add({"human", "a person at the terminal: shows the player's view and legal moves, reads a move", {},
         [](const GameParams&, const std::string&) -> AgentPtr {
           return std::make_unique<HumanAgent>(std::cin, std::cout);
         }});
}

}  // namespace arena
