// Strict reading of JSON configuration objects: every field has a default, a value of the wrong type or outside its
// range is an arena::Error naming the field by its dotted path ("ppo.clip") and what was expected, and a field that
// nobody reads (a misspelling) is an error that lists the fields allowed at that level.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace arena::trainer {

class ConfigReader {
 public:
  // `path` is the dotted prefix of this object ("" for the top level); `where` names the input in messages (a file).
  ConfigReader(std::string where, std::string path, const nlohmann::json& object);

  double number(const std::string& name, double def, double min = -std::numeric_limits<double>::infinity(),
                double max = std::numeric_limits<double>::infinity());
  std::int64_t integer(const std::string& name, std::int64_t def, std::int64_t min, std::int64_t max);
  bool boolean(const std::string& name, bool def);
  std::string string(const std::string& name, const std::string& def);
  std::string choice(const std::string& name, const std::string& def, const std::vector<std::string>& choices);
  std::vector<std::int64_t> integers(const std::string& name, const std::vector<std::int64_t>& def, std::int64_t min,
                                     std::int64_t max);
  std::vector<double> numbers(const std::string& name, const std::vector<double>& def, double min, double max);
  // A nested object (absent or null: an empty one).
  ConfigReader object(const std::string& name);
  // The raw value (nullptr when absent); marks the field as read. The caller validates it.
  const nlohmann::json* raw(const std::string& name);
  bool has(const std::string& name) const;

  // Refuses unread fields.
  void finish() const;
  [[noreturn]] void fail(const std::string& name, const std::string& expected, const nlohmann::json& got) const;
  std::string field(const std::string& name) const { return path_.empty() ? name : path_ + "." + name; }
  const std::string& where() const { return where_; }

 private:
  std::string where_, path_;
  nlohmann::json object_;
  std::set<std::string> read_;
};

}  // namespace arena::trainer
