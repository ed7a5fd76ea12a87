#include "games/api/params.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <set>
#include <sstream>

namespace arena {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

std::string format_number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

}  // namespace

std::string_view param_type_name(ParamType t) {
  switch (t) {
    case ParamType::kInt: return "integer";
    case ParamType::kDouble: return "number";
    case ParamType::kBool: return "boolean";
    case ParamType::kString: return "string";
  }
  return "?";
}

std::string param_value_to_string(const ParamValue& v) {
  if (auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) {
    std::ostringstream os;
    os.precision(17);
    os << *d;
    std::string s = os.str();
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // keep the type visible
    return s;
  }
  if (auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  const auto& s = std::get<std::string>(v);
  bool plain = !s.empty();
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/')) plain = false;
  if (plain) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

std::string ParamSpec::allowed() const {
  std::string out(param_type_name(type));
  if (type == ParamType::kString && !choices.empty()) {
    out = "one of {";
    for (size_t i = 0; i < choices.size(); ++i) out += (i ? ", " : "") + choices[i];
    return out + "}";
  }
  if (min && max) return out + " in [" + format_number(*min) + ", " + format_number(*max) + "]";
  if (min) return out + " >= " + format_number(*min);
  if (max) return out + " <= " + format_number(*max);
  return out;
}

ParamSpec int_param(std::string name, std::int64_t def, std::optional<double> min, std::optional<double> max,
                    std::string help) {
  return ParamSpec{std::move(name), ParamType::kInt, def, min, max, {}, std::move(help)};
}
ParamSpec double_param(std::string name, double def, std::optional<double> min, std::optional<double> max,
                       std::string help) {
  return ParamSpec{std::move(name), ParamType::kDouble, def, min, max, {}, std::move(help)};
}
ParamSpec bool_param(std::string name, bool def, std::string help) {
  return ParamSpec{std::move(name), ParamType::kBool, def, {}, {}, {}, std::move(help)};
}
ParamSpec string_param(std::string name, std::string def, std::vector<std::string> choices, std::string help) {
  return ParamSpec{std::move(name), ParamType::kString, std::move(def), {}, {}, std::move(choices), std::move(help)};
}

SpecString parse_spec_string(std::string_view text, std::string_view what) {
  const std::string original(text);
  auto fail = [&](const std::string& why) -> SpecString {
    throw Error("invalid " + std::string(what) + " string '" + original + "': " + why +
                " (expected name or name(key=value,...))");
  };
  text = trim(text);
  SpecString out;
  size_t open = text.find('(');
  if (open == std::string_view::npos) {
    out.name = std::string(text);
    if (!is_identifier(text)) fail("'" + out.name + "' is not a valid name");
    return out;
  }
  out.name = std::string(trim(text.substr(0, open)));
  if (!is_identifier(out.name)) fail("'" + out.name + "' is not a valid name");
  if (text.back() != ')') fail("missing closing ')'");
  std::string_view body = text.substr(open + 1, text.size() - open - 2);
  if (trim(body).empty()) return out;
  // Split on commas outside quotes and outside nested parentheses (agent specs may nest game strings).
  std::vector<std::string> parts;
  std::string cur;
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (quoted) {
      if (c == '\\' && i + 1 < body.size()) {
        cur += c;
        cur += body[++i];
        continue;
      }
      if (c == '"') quoted = false;
      cur += c;
      continue;
    }
    if (c == '"') quoted = true;
    if (c == '(') ++depth;
    if (c == ')') {
      if (--depth < 0) fail("unbalanced ')'");
    }
    if (c == ',' && depth == 0) {
      parts.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (quoted) fail("unterminated quote");
  if (depth != 0) fail("unbalanced '('");
  parts.push_back(cur);
  std::set<std::string> seen;
  for (const auto& p : parts) {
    std::string_view pv = trim(p);
    size_t eq = pv.find('=');
    if (eq == std::string_view::npos) fail("argument '" + std::string(pv) + "' is not key=value");
    std::string key(trim(pv.substr(0, eq)));
    std::string_view val = trim(pv.substr(eq + 1));
    if (!is_identifier(key)) fail("'" + key + "' is not a valid parameter name");
    if (val.empty()) fail("parameter '" + key + "' has no value");
    std::string v;
    if (val.front() == '"') {
      if (val.size() < 2 || val.back() != '"') fail("bad quoting in value of '" + key + "'");
      for (size_t i = 1; i + 1 < val.size(); ++i) {
        if (val[i] == '\\' && i + 2 < val.size()) ++i;
        v += val[i];
      }
    } else {
      v = std::string(val);
    }
    if (!seen.insert(key).second) fail("parameter '" + key + "' given twice");
    out.args.emplace_back(key, v);
  }
  return out;
}

ParamValue parse_param_value(const ParamSpec& spec, std::string_view text, std::string_view owner) {
  auto fail = [&]() -> ParamValue {
    throw Error("parameter '" + spec.name + "' of " + std::string(owner) + " must be " + spec.allowed() + ", got '" +
                std::string(text) + "'");
  };
  auto check_range = [&](double v) {
    if ((spec.min && v < *spec.min) || (spec.max && v > *spec.max) || std::isnan(v)) fail();
  };
  switch (spec.type) {
    case ParamType::kInt: {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || p != text.data() + text.size()) fail();
      check_range(static_cast<double>(v));
      return v;
    }
    case ParamType::kDouble: {
      std::string s(text);
      char* end = nullptr;
      double v = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) fail();
      check_range(v);
      return v;
    }
    case ParamType::kBool:
      if (text == "true" || text == "1") return true;
      if (text == "false" || text == "0") return false;
      return fail();
    case ParamType::kString: {
      std::string s(text);
      if (!spec.choices.empty()) {
        bool ok = false;
        for (const auto& c : spec.choices) ok = ok || c == s;
        if (!ok) fail();
      }
      return s;
    }
  }
  return fail();
}

GameParams GameParams::from_strings(const std::vector<ParamSpec>& specs,
                                    const std::vector<std::pair<std::string, std::string>>& given,
                                    std::string_view owner) {
  GameParams out;
  for (const auto& s : specs) out.values_[s.name] = s.default_value;
  for (const auto& [key, text] : given) {
    const ParamSpec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == key) spec = &s;
    if (!spec) {
      std::string names;
      for (const auto& s : specs) names += (names.empty() ? "" : ", ") + s.name;
      throw Error("unknown parameter '" + key + "' for " + std::string(owner) + "; " +
                  (names.empty() ? std::string("it takes no parameters") : "parameters: " + names));
    }
    out.values_[key] = parse_param_value(*spec, text, owner);
  }
  return out;
}

const ParamValue& GameParams::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw Error("no parameter named '" + name + "'");
  return it->second;
}

std::int64_t GameParams::get_int(const std::string& name) const {
  const auto& v = at(name);
  if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  throw Error("parameter '" + name + "' is not an integer");
}
double GameParams::get_double(const std::string& name) const {
  const auto& v = at(name);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  throw Error("parameter '" + name + "' is not a number");
}
bool GameParams::get_bool(const std::string& name) const {
  const auto& v = at(name);
  if (auto* b = std::get_if<bool>(&v)) return *b;
  throw Error("parameter '" + name + "' is not a boolean");
}
const std::string& GameParams::get_string(const std::string& name) const {
  const auto& v = at(name);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  throw Error("parameter '" + name + "' is not a string");
}

}  // namespace arena
