// A plugin that claims a future API version: the loader must refuse it before touching anything else.
#include "games/api/plugin.h"

extern "C" __attribute__((visibility("default"))) const ArenaPluginEntryV1* arena_plugin_entry(void) {
  static const ArenaPluginEntryV1 entry{999, "future", "9.9", ARENA_PLUGIN_ABI_TAG, nullptr};
  return &entry;
}
