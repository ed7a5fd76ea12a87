// The game registry: built-in games register statically, plugin games at run time (see plugin.h).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "games/api/game.h"

namespace arena {

class PluginRegistrar;

using GameFactory = std::function<GamePtr(const GameType& type, const GameParams& params)>;

struct RegisteredGame {
  GameType type;
  GameFactory factory;
  std::string origin;  // "built-in" or the plugin's path
};

struct PluginInfo {
  std::string path;
  std::string name;
  std::string version;
  std::vector<std::string> games;
};

class GameRegistry {
 public:
  // The process-wide registry used by load_game().
  static GameRegistry& global();

  // Throws arena::Error if the name is already taken or the type is inconsistent.
  void add(GameType type, GameFactory factory, std::string origin = "built-in");

  std::vector<std::string> names() const;  // sorted
  // nullptr if unknown.
  const RegisteredGame* find(std::string_view short_name) const;

  // `name` or `name(key=value,...)`, with `preset=NAME` for games that have presets. Unknown game, unknown parameter,
  // wrong type or out-of-range value throw arena::Error naming the input and what is allowed.
  GamePtr load(std::string_view game_string) const;

  // Loads a plugin .so and registers its games, all or none: on any error (unreadable file, missing entry point,
  // wrong API version, duplicate game name, failing registration) nothing is registered and arena::Error says why.
  PluginInfo load_plugin(const std::string& path);
  // Loads every plugin named in ARENA_PLUGIN_PATH (':'-separated files or directories of .so files). Returns one
  // message per plugin that failed; the others stay loaded.
  std::vector<std::string> load_plugins_from_env();
  std::vector<PluginInfo> plugins() const;

 private:
  // Registers the plugin's games all or none; returns an error message, empty on success.
  std::string register_plugin(void* handle, const std::string& path, PluginRegistrar& registrar,
                              PluginInfo& info);
  mutable std::shared_mutex mu_;
  std::vector<std::unique_ptr<RegisteredGame>> games_;
  std::vector<PluginInfo> plugins_;
};

GamePtr load_game(std::string_view game_string);

// Static registration of a built-in game: ARENA_REGISTER_GAME(kGameType, factory_function);
struct GameRegisterer {
  GameRegisterer(GameType type, GameFactory factory);
};

#define ARENA_REGISTER_GAME_CONCAT_(a, b) a##b
#define ARENA_REGISTER_GAME_NAME_(line) ARENA_REGISTER_GAME_CONCAT_(arena_game_registerer_, line)
#define ARENA_REGISTER_GAME(type, factory) \
  static ::arena::GameRegisterer ARENA_REGISTER_GAME_NAME_(__LINE__)(type, factory)

}  // namespace arena
