#include "agents/tabular/tabular_policy.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace arena {

TabularPolicy TabularPolicy::load(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw Error("cannot read policy file '" + path + "'");
  nlohmann::json j;
  try {
    f >> j;
  } catch (const std::exception& e) {
    throw Error("policy file '" + path + "' is not valid JSON: " + e.what());
  }
  auto bad = [&](const std::string& why) { return Error("policy file '" + path + "': " + why); };
  if (!j.is_object() || j.value("format", "") != "arena-tabular-policy")
    throw bad("not an Arena tabular policy (expected \"format\": \"arena-tabular-policy\")");
  if (j.value("version", 0) != 1) throw bad("unsupported version (this build reads version 1)");
  if (!j.contains("game") || !j["game"].is_string()) throw bad("missing \"game\"");
  if (!j.contains("policy") || !j["policy"].is_object()) throw bad("missing \"policy\" object");
  std::map<std::string, std::vector<std::pair<Action, double>>> table;
  for (auto& [info, entry] : j["policy"].items()) {
    if (!entry.is_object()) throw bad("entry '" + info + "' is not an object of action -> probability");
    std::vector<std::pair<Action, double>> probs;
    for (auto& [a, p] : entry.items()) {
      Action id = 0;
      try {
        size_t used = 0;
        id = std::stoll(a, &used);
        if (used != a.size()) throw std::invalid_argument(a);
      } catch (const std::exception&) {
        throw bad("entry '" + info + "': action key '" + a + "' is not an action id");
      }
      if (!p.is_number() || p.get<double>() < 0) throw bad("entry '" + info + "': bad probability for action " + a);
      probs.emplace_back(id, p.get<double>());
    }
    std::sort(probs.begin(), probs.end());
    table.emplace(info, std::move(probs));
  }
  return TabularPolicy(j["game"].get<std::string>(), std::move(table));
}

void TabularPolicy::save(const std::string& path) const {
  nlohmann::json policy = nlohmann::json::object();
  for (const auto& [info, probs] : table_) {
    nlohmann::json e = nlohmann::json::object();
    for (auto [a, p] : probs) e[std::to_string(a)] = p;
    policy[info] = e;
  }
  nlohmann::json j{{"format", "arena-tabular-policy"}, {"version", 1}, {"game", game_}, {"policy", policy}};
  std::ofstream f(path);
  if (!f) throw Error("cannot write policy file '" + path + "'");
  f << j.dump(1) << "\n";
}

TabularPolicy TabularPolicy::uniform(const GameTree& tree) {
  std::vector<double> flat(tree.num_infoset_actions());
  for (const auto& I : tree.infosets())
    for (size_t k = 0; k < I.actions.size(); ++k) flat[I.offset + k] = 1.0 / I.actions.size();
  return from_flat(tree, flat);
}

TabularPolicy TabularPolicy::from_flat(const GameTree& tree, const std::vector<double>& probs) {
  std::map<std::string, std::vector<std::pair<Action, double>>> table;
  for (const auto& I : tree.infosets()) {
    auto& e = table[I.key];
    for (size_t k = 0; k < I.actions.size(); ++k) e.emplace_back(I.actions[k], probs[I.offset + k]);
  }
  return TabularPolicy(tree.game()->to_string(), std::move(table));
}

const std::vector<std::pair<Action, double>>* TabularPolicy::find(const std::string& info) const {
  auto it = table_.find(info);
  return it == table_.end() ? nullptr : &it->second;
}

std::vector<double> TabularPolicy::to_flat(const GameTree& tree) const {
  const std::string game = tree.game()->to_string();
  if (game_ != game) throw Error("the policy is for game '" + game_ + "', not '" + game + "'");
  std::set<std::string> known;
  std::vector<double> flat(tree.num_infoset_actions(), 0.0);
  for (const auto& I : tree.infosets()) {
    known.insert(I.key);
    const auto* probs = find(I.key);
    if (!probs) throw Error("the policy has no entry for information state '" + I.key + "' of " + game);
    double total = 0;
    for (auto [a, p] : *probs) {
      auto it = std::find(I.actions.begin(), I.actions.end(), a);
      if (it == I.actions.end())
        throw Error("the policy gives illegal action " + std::to_string(a) + " at information state '" + I.key + "'");
      flat[I.offset + (it - I.actions.begin())] = p;
      total += p;
    }
    if (!(total > 0)) throw Error("the policy's probabilities at '" + I.key + "' sum to 0");
    for (size_t k = 0; k < I.actions.size(); ++k) flat[I.offset + k] /= total;
  }
  for (const auto& [info, probs] : table_)
    if (!known.count(info))
      throw Error("the policy names information state '" + info + "', which " + game + " does not have");
  return flat;
}

}  // namespace arena
