#include "games/api/registry.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "games/api/plugin.h"

namespace arena {
namespace {

std::string game_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void validate_type(const GameType& t, const std::string& origin) {
  auto where = [&] { return "game '" + t.short_name + "' from " + origin; };
  if (t.short_name.empty()) throw Error("a game from " + origin + " has an empty short name");
  for (char c : t.short_name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
      throw Error(where() + ": short name may contain only letters, digits and '_'");
  if (t.min_players < 1 || t.max_players < t.min_players)
    throw Error(where() + ": invalid player range [" + std::to_string(t.min_players) + ", " +
                std::to_string(t.max_players) + "]");
  std::set<std::string> names;
  for (const auto& p : t.parameters) {
    if (p.name == "preset") throw Error(where() + ": 'preset' is reserved for named presets");
    if (!names.insert(p.name).second) throw Error(where() + ": parameter '" + p.name + "' declared twice");
  }
}

}  // namespace

GameRegistry& GameRegistry::global() {
  static GameRegistry* registry = new GameRegistry();  // never destroyed: plugins may outlive static teardown
  return *registry;
}

void GameRegistry::add(GameType type, GameFactory factory, std::string origin) {
  validate_type(type, origin);
  std::unique_lock lock(mu_);
  for (const auto& g : games_)
    if (g->type.short_name == type.short_name)
      throw Error("duplicate game name '" + type.short_name + "': already registered by " + g->origin);
  games_.push_back(std::make_unique<RegisteredGame>(RegisteredGame{std::move(type), std::move(factory), origin}));
}

std::vector<std::string> GameRegistry::names() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  for (const auto& g : games_) out.push_back(g->type.short_name);
  std::sort(out.begin(), out.end());
  return out;
}

const RegisteredGame* GameRegistry::find(std::string_view short_name) const {
  std::shared_lock lock(mu_);
  for (const auto& g : games_)
    if (g->type.short_name == short_name) return g.get();
  return nullptr;
}

GamePtr GameRegistry::load(std::string_view game_string) const {
  SpecString spec = parse_spec_string(game_string, "game");
  const RegisteredGame* reg = find(spec.name);
  if (!reg) throw Error("unknown game '" + spec.name + "'; registered games: " + game_list(names()));
  const GameType& type = reg->type;
  const std::string owner = "game '" + type.short_name + "'";
  // A preset expands first; explicit parameters then override it.
  std::vector<std::pair<std::string, std::string>> args;
  std::vector<std::pair<std::string, std::string>> explicit_args;
  for (auto& [k, v] : spec.args) {
    if (k != "preset") {
      explicit_args.emplace_back(k, v);
      continue;
    }
    const Preset* preset = nullptr;
    for (const auto& p : type.presets)
      if (p.name == v) preset = &p;
    if (!preset) {
      std::string names;
      for (const auto& p : type.presets) names += (names.empty() ? "" : ", ") + p.name;
      throw Error("unknown preset '" + v + "' for " + owner + "; " +
                  (names.empty() ? std::string("it has no presets") : "presets: " + names));
    }
    SpecString expanded = parse_spec_string(type.short_name + "(" + preset->params + ")", "preset");
    args = expanded.args;
  }
  for (auto& kv : explicit_args) {
    auto it = std::find_if(args.begin(), args.end(), [&](const auto& a) { return a.first == kv.first; });
    if (it != args.end()) it->second = kv.second;
    else args.push_back(kv);
  }
  GameParams params = GameParams::from_strings(type.parameters, args, owner);
  if (params.has("players")) {
    auto n = params.get_int("players");
    if (n < type.min_players || n > type.max_players)
      throw Error("parameter 'players' of " + owner + " must be in [" + std::to_string(type.min_players) + ", " +
                  std::to_string(type.max_players) + "], got " + std::to_string(n));
  }
  GamePtr game = reg->factory(type, params);
  if (!game) throw Error(owner + ": factory returned no game");
  return game;
}

std::string GameRegistry::register_plugin(void* handle, const std::string& path, PluginRegistrar& registrar,
                                          PluginInfo& info) {
  dlerror();
  auto entry_fn = reinterpret_cast<ArenaPluginEntryFn>(dlsym(handle, "arena_plugin_entry"));
  if (!entry_fn) return "missing entry point 'arena_plugin_entry' (define it with ARENA_PLUGIN(...))";
  const ArenaPluginEntryV1* entry = entry_fn();
  if (!entry) return "arena_plugin_entry() returned null";
  if (entry->api_version != ARENA_PLUGIN_API_VERSION)
    return "plugin API version " + std::to_string(entry->api_version) + " is not supported (this build of Arena " +
           "supports version " + std::to_string(ARENA_PLUGIN_API_VERSION) + "); rebuild the plugin against this " +
           "Arena's headers";
  if (!entry->abi_tag || std::string(entry->abi_tag) != ARENA_PLUGIN_ABI_TAG)
    return std::string("built with an incompatible C++ ABI (") + (entry->abi_tag ? entry->abi_tag : "none") +
           ", expected " + ARENA_PLUGIN_ABI_TAG + ")";
  if (!entry->register_games) return "entry has no register_games function";
  try {
    entry->register_games(&registrar);
  } catch (const std::exception& e) {
    return std::string("registration failed: ") + e.what();
  } catch (...) {
    return "registration failed with an unknown exception";
  }
  if (registrar.games().empty()) return "registers no games";
  const std::string who = "plugin '" + path + "'";
  std::unique_lock lock(mu_);
  std::set<std::string> incoming;
  for (const auto& [type, factory] : registrar.games()) {
    try {
      validate_type(type, who);
    } catch (const Error& e) {
      return e.what();
    }
    for (const auto& g : games_)
      if (g->type.short_name == type.short_name)
        return "duplicate game name '" + type.short_name + "': already registered by " + g->origin;
    if (!incoming.insert(type.short_name).second) return "registers game '" + type.short_name + "' twice";
  }
  info = PluginInfo{path, entry->name ? entry->name : "", entry->version ? entry->version : "", {}};
  for (const auto& [type, factory] : registrar.games()) {
    games_.push_back(std::make_unique<RegisteredGame>(RegisteredGame{type, factory, path}));
    info.games.push_back(type.short_name);
  }
  plugins_.push_back(info);
  return "";
}

PluginInfo GameRegistry::load_plugin(const std::string& path) {
  const std::string who = "plugin '" + path + "'";
  if (!std::filesystem::exists(path)) throw Error(who + ": file not found");
  // RTLD_LOCAL keeps two plugins' internal symbols apart; RTLD_NOW reports missing symbols here, not mid-game.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* err = dlerror();
    throw Error(who + ": cannot be loaded: " + std::string(err ? err : "unknown dlopen error"));
  }
  // Everything the plugin created (its registrar's factories, an exception it threw) must be gone before dlclose.
  std::string error;
  PluginInfo info;
  {
    PluginRegistrar registrar;
    error = register_plugin(handle, path, registrar, info);
  }
  if (!error.empty()) {
    dlclose(handle);
    throw Error(who + ": " + error);
  }
  return info;  // the handle stays open for the life of the process: its code backs the registered games
}

std::vector<std::string> GameRegistry::load_plugins_from_env() {
  std::vector<std::string> errors;
  const char* env = std::getenv("ARENA_PLUGIN_PATH");
  if (!env || !*env) return errors;
  std::string all(env);
  size_t start = 0;
  while (start <= all.size()) {
    size_t end = all.find(':', start);
    if (end == std::string::npos) end = all.size();
    std::string entry = all.substr(start, end - start);
    start = end + 1;
    if (entry.empty()) continue;
    std::vector<std::string> files;
    std::error_code ec;
    if (std::filesystem::is_directory(entry, ec)) {
      for (const auto& f : std::filesystem::directory_iterator(entry, ec))
        if (f.path().extension() == ".so") files.push_back(f.path().string());
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(entry);
    }
    for (const auto& f : files) {
      bool loaded = false;
      {
        std::shared_lock lock(mu_);
        for (const auto& p : plugins_) loaded = loaded || p.path == f;
      }
      if (loaded) continue;
      try {
        load_plugin(f);
      } catch (const Error& e) {
        errors.push_back(std::string("ARENA_PLUGIN_PATH: ") + e.what());
      }
    }
  }
  return errors;
}

std::vector<PluginInfo> GameRegistry::plugins() const {
  std::shared_lock lock(mu_);
  return plugins_;
}

GamePtr load_game(std::string_view game_string) { return GameRegistry::global().load(game_string); }

GameRegisterer::GameRegisterer(GameType type, GameFactory factory) {
  GameRegistry::global().add(std::move(type), std::move(factory));
}

}  // namespace arena
