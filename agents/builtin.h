// Registers the agents built into Arena (random, human, ...) with the global agent registry. Idempotent.
#pragma once

namespace arena {
void register_builtin_agents();
}
