// Game parameters and spec strings of the form `name(key=value,key=value)`.
//
// The same syntax names agents (`mcts(sims=100)`), so the parser here is shared by every layer.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace arena {

// Every error a user can cause (bad game string, bad parameter, bad serialized state, bad plugin) is an
// arena::Error whose message names the input and what was expected.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ParamType { kInt, kDouble, kBool, kString };
using ParamValue = std::variant<std::int64_t, double, bool, std::string>;

std::string_view param_type_name(ParamType t);
std::string param_value_to_string(const ParamValue& v);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kInt;
  ParamValue default_value = std::int64_t{0};
  std::optional<double> min;           // inclusive, numeric types only
  std::optional<double> max;           // inclusive, numeric types only
  std::vector<std::string> choices;    // allowed values for string parameters (empty: any)
  std::string help;

  // "integer in [1, 5]", "one of {cooperative, competitive}", ...
  std::string allowed() const;
};

// Convenience constructors for parameter specs.
ParamSpec int_param(std::string name, std::int64_t def, std::optional<double> min, std::optional<double> max,
                    std::string help);
ParamSpec double_param(std::string name, double def, std::optional<double> min, std::optional<double> max,
                       std::string help);
ParamSpec bool_param(std::string name, bool def, std::string help);
ParamSpec string_param(std::string name, std::string def, std::vector<std::string> choices, std::string help);

// A parsed `name(key=value,...)`: values are kept as the user wrote them, typed later against a spec.
struct SpecString {
  std::string name;
  std::vector<std::pair<std::string, std::string>> args;  // in the order written
};

// Parses `name` or `name(k=v, k="quoted, value", ...)`; throws Error naming `what` ("game", "agent") on bad syntax.
SpecString parse_spec_string(std::string_view text, std::string_view what);

// Parameter values validated against a spec list; every spec'd parameter has a value (its default if unset).
class GameParams {
 public:
  GameParams() = default;

  // Validates `given` against `specs` (unknown names, types, ranges, choices) and fills defaults. `owner` names the
  // game or agent in error messages.
  static GameParams from_strings(const std::vector<ParamSpec>& specs,
                                 const std::vector<std::pair<std::string, std::string>>& given,
                                 std::string_view owner);

  std::int64_t get_int(const std::string& name) const;
  double get_double(const std::string& name) const;
  bool get_bool(const std::string& name) const;
  const std::string& get_string(const std::string& name) const;
  bool has(const std::string& name) const { return values_.count(name) != 0; }

  const std::map<std::string, ParamValue>& values() const { return values_; }
  void set(const std::string& name, ParamValue v) { values_[name] = std::move(v); }

 private:
  const ParamValue& at(const std::string& name) const;
  std::map<std::string, ParamValue> values_;
};

// Parses one value for `spec`; throws Error naming owner, parameter and the allowed values.
ParamValue parse_param_value(const ParamSpec& spec, std::string_view text, std::string_view owner);

}  // namespace arena
