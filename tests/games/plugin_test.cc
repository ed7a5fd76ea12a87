// The plugin loader's error paths: each bad plugin is refused with a clear message and registers nothing.
#include <filesystem>
#include <fstream>

#include "games/api/registry.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
std::string load_error(const std::string& path) {
  try {
    GameRegistry::global().load_plugin(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
std::string plugin(const std::string& name) { return std::string(ARENA_TEST_PLUGIN_DIR) + "/libarena_" + name + ".so"; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("bad plugins are refused with a clear error and the registry keeps working", "[plugin]") {
  const auto before = GameRegistry::global().names();
  CHECK(contains(load_error("/nonexistent/plugin.so"), "file not found"));
  auto text = std::filesystem::temp_directory_path() / "arena_not_a_plugin.so";
  std::ofstream(text) << "not a shared library";
  CHECK(contains(load_error(text.string()), "cannot be loaded"));
  CHECK(contains(load_error(plugin("bad_plugin_no_entry")), "missing entry point 'arena_plugin_entry'"));
  auto version = load_error(plugin("bad_plugin_version"));
  CHECK(contains(version, "plugin API version 999 is not supported"));
  auto dup = load_error(plugin("bad_plugin_duplicate"));
  CHECK(contains(dup, "duplicate game name 'tic_tac_toe'"));
  CHECK(contains(load_error(plugin("bad_plugin_throws")), "registration failed: cannot initialise tables"));
  // All or nothing: the duplicate plugin's other game was not registered either.
  CHECK(GameRegistry::global().find("fresh_game_from_duplicate_plugin") == nullptr);
  CHECK(GameRegistry::global().names() == before);
  CHECK(load_game("tic_tac_toe")->num_players() == 2);
}

TEST_CASE("ARENA_PLUGIN_PATH failures are reported per plugin", "[plugin]") {
  setenv("ARENA_PLUGIN_PATH", (plugin("bad_plugin_version") + ":/nonexistent.so").c_str(), 1);
  auto errors = GameRegistry::global().load_plugins_from_env();
  unsetenv("ARENA_PLUGIN_PATH");
  REQUIRE(errors.size() == 2);
  CHECK(contains(errors[0], "API version 999"));
  CHECK(contains(errors[1], "file not found"));
}
