#include "arena/agent.h"

namespace arena {

AgentRegistry& AgentRegistry::global() {
  static AgentRegistry* registry = new AgentRegistry();
  return *registry;
}

void AgentRegistry::add(AgentKind kind) {
  if (find(kind.name)) throw Error("duplicate agent kind '" + kind.name + "'");
  kinds_.push_back(std::move(kind));
}

const AgentKind* AgentRegistry::find(std::string_view name) const {
  for (const auto& k : kinds_)
    if (k.name == name) return &k;
  return nullptr;
}

std::vector<const AgentKind*> AgentRegistry::kinds() const {
  std::vector<const AgentKind*> out;
  for (const auto& k : kinds_) out.push_back(&k);
  return out;
}

AgentPtr AgentRegistry::make(std::string_view spec) const {
  SpecString parsed = parse_spec_string(spec, "agent");
  const AgentKind* kind = find(parsed.name);
  if (!kind) {
    std::string names;
    for (const auto& k : kinds_) names += (names.empty() ? "" : ", ") + k.name;
    throw Error("unknown agent '" + parsed.name + "' in '" + std::string(spec) + "'; known agents: " + names);
  }
  GameParams params = GameParams::from_strings(kind->parameters, parsed.args, "agent '" + kind->name + "'");
  std::string canonical = kind->name;
  std::string args;
  for (const auto& p : kind->parameters) {
    const auto& v = params.values().at(p.name);
    if (v == p.default_value) continue;
    args += (args.empty() ? "" : ",") + p.name + "=" + param_value_to_string(v);
  }
  if (!args.empty()) canonical += "(" + args + ")";
  return kind->factory(params, canonical);
}

}  // namespace arena
