#include "agents/builtin.h"

#include <iostream>

#include "agents/human_agent.h"
#include "agents/random_agent.h"

namespace arena {

void register_builtin_agents() {
  static bool done = false;
  if (done) return;
  done = true;
  auto& r = AgentRegistry::global();
  r.add({"random", "uniformly random legal moves", {},
         [](const GameParams&, const std::string&) -> AgentPtr { return std::make_unique<RandomAgent>(); }});
  r.add({"human", "a person at the terminal: shows the player's view and legal moves, reads a move", {},
         [](const GameParams&, const std::string&) -> AgentPtr {
           return std::make_unique<HumanAgent>(std::cin, std::cout);
         }});
}

}  // namespace arena
