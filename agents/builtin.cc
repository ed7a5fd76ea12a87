#include "agents/builtin.h"

#include <iostream>

#include "agents/human_agent.h"
#include "agents/mcts_agent.h"
#include "agents/random_agent.h"

namespace arena {

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
  r.add({"human", "a person at the terminal: shows the player's view and legal moves, reads a move", {},
         [](const GameParams&, const std::string&) -> AgentPtr {
           return std::make_unique<HumanAgent>(std::cin, std::cout);
         }});
}

}  // namespace arena
