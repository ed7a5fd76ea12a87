// Registers the agents built into Arena (random, human, ...) with the global agent registry. Idempotent.
#pragma once

#include <functional>
#include <string>

#include "arena/agent.h"

namespace arena {
void register_builtin_agents();

// Makes the agent of `policy(checkpoint=DIR)`. Set by the trainer library when it is linked (it needs LibTorch);
// empty otherwise, and the agent then reports that the build lacks it.
using CheckpointAgentFactory =
    std::function<AgentPtr(const std::string& checkpoint, bool greedy, const std::string& spec)>;
CheckpointAgentFactory& checkpoint_agent_factory();
}
