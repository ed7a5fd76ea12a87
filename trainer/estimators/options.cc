#include "trainer/estimators/options.h"

#include <cmath>
#include <sstream>

#include "games/api/params.h"

namespace arena::estimators {
namespace {

std::string format_bound(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

std::string range_text(double min, double max) {
  return std::string(std::isinf(min) ? "(" : "[") + format_bound(min) + ", " + format_bound(max) +
         (std::isinf(max) ? ")" : "]");
}

}  // namespace

OptionReader::OptionReader(std::string context, const nlohmann::json& options) : context_(std::move(context)) {
  if (options.is_null()) {
    options_ = nlohmann::json::object();
  } else if (!options.is_object()) {
    throw Error("estimator " + context_ + ": options must be a JSON object, got " + options.dump());
  } else {
    options_ = options;
  }
}

void OptionReader::fail(const std::string& name, const std::string& expected, const nlohmann::json& got) const {
  throw Error("estimator " + context_ + ": option '" + name + "' must be " + expected + ", got " + got.dump());
}

const nlohmann::json* OptionReader::find(const std::string& name) {
  read_.insert(name);
  auto it = options_.find(name);
  return it == options_.end() ? nullptr : &*it;
}

double OptionReader::number(const std::string& name, double def, double min, double max) {
  double v = def;
  if (const auto* j = find(name)) {
    const std::string expected = "a number in " + range_text(min, max);
    if (!j->is_number()) fail(name, expected, *j);
    v = j->get<double>();
    if (!std::isfinite(v) || v < min || v > max) fail(name, expected, *j);
  }
  resolved_[name] = v;
  return v;
}

std::int64_t OptionReader::integer(const std::string& name, std::int64_t def, std::int64_t min, std::int64_t max) {
  std::int64_t v = def;
  if (const auto* j = find(name)) {
    const std::string expected = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
    if (j->is_number_integer()) {
      v = j->get<std::int64_t>();
    } else if (j->is_number_float() && std::floor(j->get<double>()) == j->get<double>() &&
               std::fabs(j->get<double>()) < 1e15) {
      v = static_cast<std::int64_t>(j->get<double>());
    } else {
      fail(name, expected, *j);
    }
    if (v < min || v > max) fail(name, expected, *j);
  }
  resolved_[name] = v;
  return v;
}

bool OptionReader::boolean(const std::string& name, bool def) {
  bool v = def;
  if (const auto* j = find(name)) {
    if (!j->is_boolean()) fail(name, "true or false", *j);
    v = j->get<bool>();
  }
  resolved_[name] = v;
  return v;
}

std::string OptionReader::choice(const std::string& name, const std::string& def,
                                 const std::vector<std::string>& choices) {
  std::string v = def;
  if (const auto* j = find(name)) {
    std::string expected = "one of {";
    for (std::size_t i = 0; i < choices.size(); ++i) expected += (i ? ", " : "") + choices[i];
    expected += "}";
    if (!j->is_string()) fail(name, expected, *j);
    v = j->get<std::string>();
    bool ok = false;
    for (const auto& c : choices) ok = ok || c == v;
    if (!ok) fail(name, expected, *j);
  }
  resolved_[name] = v;
  return v;
}

nlohmann::json OptionReader::finish() const {
  for (const auto& [key, value] : options_.items()) {
    if (read_.count(key)) continue;
    std::string allowed;
    for (const auto& name : read_) allowed += (allowed.empty() ? "" : ", ") + name;
    throw Error("estimator " + context_ + ": unknown option '" + key + "'; allowed options: {" + allowed + "}");
  }
  return resolved_;
}

Singleton read_singleton(OptionReader& reader, Singleton def) {
  const auto s = reader.choice("singleton", def == Singleton::kRaw ? "raw" : "zero", {"raw", "zero"});
  return s == "raw" ? Singleton::kRaw : Singleton::kZero;
}

ZScoreOptions read_zscore_options(OptionReader& reader, const ZScoreOptions& defaults, bool with_singleton) {
  ZScoreOptions o = defaults;
  o.ddof = static_cast<int>(reader.integer("ddof", defaults.ddof, 0, 1));
  o.eps = reader.number("eps", defaults.eps, 0.0);
  const char* def_mode = defaults.eps_mode == EpsMode::kAddToStd   ? "add_to_std"
                         : defaults.eps_mode == EpsMode::kAddToVar ? "add_to_var"
                                                                   : "clamp_var";
  const auto mode = reader.choice("eps_mode", def_mode, {"add_to_std", "add_to_var", "clamp_var"});
  o.eps_mode = mode == "add_to_std" ? EpsMode::kAddToStd : mode == "add_to_var" ? EpsMode::kAddToVar : EpsMode::kClampVar;
  if (with_singleton) o.singleton = read_singleton(reader, defaults.singleton);
  return o;
}

SampleUnit read_unit(OptionReader& reader) {
  return reader.choice("unit", "trajectory", {"trajectory", "turn"}) == "trajectory" ? SampleUnit::kTrajectory
                                                                                     : SampleUnit::kTurn;
}

}  // namespace arena::estimators
