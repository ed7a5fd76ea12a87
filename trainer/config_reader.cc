#include "trainer/config_reader.h"

#include <cmath>
#include <sstream>

#include "games/api/params.h"

namespace arena::trainer {
namespace {

std::string bound(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os.precision(15);
  os << v;
  return os.str();
}

std::string range(double min, double max) {
  if (std::isinf(min) && std::isinf(max)) return "";
  return std::string(" in ") + (std::isinf(min) ? "(" : "[") + bound(min) + ", " + bound(max) +
         (std::isinf(max) ? ")" : "]");
}

std::string shorten(const nlohmann::json& j) {
  std::string s = j.dump();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

}  // namespace

ConfigReader::ConfigReader(std::string where, std::string path, const nlohmann::json& object)
    : where_(std::move(where)), path_(std::move(path)) {
  if (object.is_null()) {
    object_ = nlohmann::json::object();
  } else if (!object.is_object()) {
    throw Error(where_ + ": " + (path_.empty() ? std::string("the configuration") : "'" + path_ + "'") +
                " must be a JSON object, got " + shorten(object));
  } else {
    object_ = object;
  }
}

void ConfigReader::fail(const std::string& name, const std::string& expected, const nlohmann::json& got) const {
  throw Error(where_ + ": '" + field(name) + "' must be " + expected + ", got " + shorten(got));
}

bool ConfigReader::has(const std::string& name) const { return object_.contains(name); }

const nlohmann::json* ConfigReader::raw(const std::string& name) {
  read_.insert(name);
  auto it = object_.find(name);
  return it == object_.end() || it->is_null() ? nullptr : &*it;
}

double ConfigReader::number(const std::string& name, double def, double min, double max) {
  const auto* j = raw(name);
  if (!j) return def;
  const std::string expected = "a number" + range(min, max);
  if (!j->is_number()) fail(name, expected, *j);
  const double v = j->get<double>();
  if (!std::isfinite(v) || v < min || v > max) fail(name, expected, *j);
  return v;
}

std::int64_t ConfigReader::integer(const std::string& name, std::int64_t def, std::int64_t min, std::int64_t max) {
  const auto* j = raw(name);
  if (!j) return def;
  const std::string expected = "an integer" + range(static_cast<double>(min), static_cast<double>(max));
  if (!j->is_number_integer() && !(j->is_number_float() && std::floor(j->get<double>()) == j->get<double>()))
    fail(name, expected, *j);
  const double d = j->get<double>();
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) fail(name, expected, *j);
  return j->is_number_integer() ? j->get<std::int64_t>() : static_cast<std::int64_t>(d);
}

bool ConfigReader::boolean(const std::string& name, bool def) {
  const auto* j = raw(name);
  if (!j) return def;
  if (!j->is_boolean()) fail(name, "true or false", *j);
  return j->get<bool>();
}

std::string ConfigReader::string(const std::string& name, const std::string& def) {
  const auto* j = raw(name);
  if (!j) return def;
  if (!j->is_string()) fail(name, "a string", *j);
  return j->get<std::string>();
}

std::string ConfigReader::choice(const std::string& name, const std::string& def,
                                 const std::vector<std::string>& choices) {
  const auto* j = raw(name);
  if (!j) return def;
  std::string allowed;
  for (const auto& c : choices) allowed += (allowed.empty() ? "" : ", ") + c;
  if (!j->is_string()) fail(name, "one of " + allowed, *j);
  const auto v = j->get<std::string>();
  for (const auto& c : choices)
    if (c == v) return v;
  fail(name, "one of " + allowed, *j);
}

std::vector<std::int64_t> ConfigReader::integers(const std::string& name, const std::vector<std::int64_t>& def,
                                                 std::int64_t min, std::int64_t max) {
  const auto* j = raw(name);
  if (!j) return def;
  const std::string expected =
      "an array of integers" + range(static_cast<double>(min), static_cast<double>(max));
  if (!j->is_array()) fail(name, expected, *j);
  std::vector<std::int64_t> out;
  for (const auto& e : *j) {
    if (!e.is_number_integer()) fail(name, expected, *j);
    const auto v = e.get<std::int64_t>();
    if (v < min || v > max) fail(name, expected, *j);
    out.push_back(v);
  }
  return out;
}

std::vector<double> ConfigReader::numbers(const std::string& name, const std::vector<double>& def, double min,
                                          double max) {
  const auto* j = raw(name);
  if (!j) return def;
  const std::string expected = "an array of numbers" + range(min, max);
  if (!j->is_array()) fail(name, expected, *j);
  std::vector<double> out;
  for (const auto& e : *j) {
    if (!e.is_number()) fail(name, expected, *j);
    const double v = e.get<double>();
    if (!std::isfinite(v) || v < min || v > max) fail(name, expected, *j);
    out.push_back(v);
  }
  return out;
}

ConfigReader ConfigReader::object(const std::string& name) {
  const auto* j = raw(name);
  if (j && !j->is_object()) fail(name, "a JSON object", *j);
  return ConfigReader(where_, field(name), j ? *j : nlohmann::json::object());
}

void ConfigReader::finish() const {
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (read_.count(it.key())) continue;
    std::string allowed;
    for (const auto& r : read_) allowed += (allowed.empty() ? "" : ", ") + r;
    throw Error(where_ + ": unknown field '" + field(it.key()) + "'" +
                (allowed.empty() ? std::string() : " (allowed here: " + allowed + ")"));
  }
}

}  // namespace arena::trainer
