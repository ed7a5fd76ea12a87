// A plugin whose registration throws: the loader must report it and register nothing.
#include <stdexcept>

#include "games/api/plugin.h"

ARENA_PLUGIN("throws", "1.0", [](arena::PluginRegistrar&) { throw std::runtime_error("cannot initialise tables"); })
