// Runtime game plugins.
//
// A plugin is a shared library that exports one C symbol, `arena_plugin_entry`, returning a pointer to a struct
// whose first field is the plugin API version. The loader reads that version before anything else, so an old or
// new plugin is refused with a clear message instead of crashing. Games cross the boundary as C++ objects, so a
// plugin must be built with a C++ ABI compatible with the host's; `abi_tag` lets the loader check that.
//
//   #include "games/api/plugin.h"
//   ARENA_PLUGIN("my_games", "1.0", [](arena::PluginRegistrar& r) { r.add(my_game_type(), my_factory); });
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "games/api/registry.h"

#define ARENA_PLUGIN_API_VERSION 1

#define ARENA_PLUGIN_STR2_(x) #x
#define ARENA_PLUGIN_STR_(x) ARENA_PLUGIN_STR2_(x)
#if defined(_GLIBCXX_USE_CXX11_ABI)
#define ARENA_PLUGIN_CXX11_ABI_ ARENA_PLUGIN_STR_(_GLIBCXX_USE_CXX11_ABI)
#else
#define ARENA_PLUGIN_CXX11_ABI_ "none"
#endif
#if defined(__GXX_ABI_VERSION)
#define ARENA_PLUGIN_GXX_ABI_ ARENA_PLUGIN_STR_(__GXX_ABI_VERSION)
#else
#define ARENA_PLUGIN_GXX_ABI_ "none"
#endif
// Compared verbatim by the loader: C++ ABI and library ABI of the compiler that built the plugin.
#define ARENA_PLUGIN_ABI_TAG "gxx-abi=" ARENA_PLUGIN_GXX_ABI_ ";cxx11-abi=" ARENA_PLUGIN_CXX11_ABI_

namespace arena {

// Collects a plugin's games so the registry can add them all or none.
class PluginRegistrar {
 public:
  void add(GameType type, GameFactory factory) { games_.push_back({std::move(type), std::move(factory)}); }
  const std::vector<std::pair<GameType, GameFactory>>& games() const { return games_; }

 private:
  std::vector<std::pair<GameType, GameFactory>> games_;
};

}  // namespace arena

extern "C" {

struct ArenaPluginEntryV1 {
  std::uint32_t api_version;  // ARENA_PLUGIN_API_VERSION at build time; must stay the first field
  const char* name;
  const char* version;
  const char* abi_tag;        // ARENA_PLUGIN_ABI_TAG at build time
  void (*register_games)(arena::PluginRegistrar* registrar);
};

typedef const ArenaPluginEntryV1* (*ArenaPluginEntryFn)(void);
}

#define ARENA_PLUGIN(plugin_name, plugin_version, ...)                                        \
  extern "C" __attribute__((visibility("default"))) const ArenaPluginEntryV1* arena_plugin_entry(void) { \
    static const ArenaPluginEntryV1 entry{ARENA_PLUGIN_API_VERSION, plugin_name, plugin_version,           \
                                          ARENA_PLUGIN_ABI_TAG,                                            \
                                          [](arena::PluginRegistrar* r) { (__VA_ARGS__)(*r); }};           \
    return &entry;                                                                                          \
  }
