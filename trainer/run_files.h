// Files of a training run directory shared by the policy kinds (torch-free): JSON written atomically, metrics.csv
// rows and its truncation on resume, printf-style formatting (torch translation units avoid {fmt}).
#pragma once

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "games/api/params.h"

namespace arena::trainer {

inline std::string strf(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

inline void write_json_atomic(const std::filesystem::path& path, const nlohmann::json& j) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
    if (!out) throw Error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

inline nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read " + path.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(path.string() + " is not valid JSON: " + e.what());
  }
}

// metrics.csv with its header row.
inline void start_metrics_csv(const std::filesystem::path& file, const std::vector<std::string>& columns) {
  std::ofstream csv(file, std::ios::trunc);
  for (size_t i = 0; i < columns.size(); ++i) csv << (i ? "," : "") << csv_field(columns[i]);
  csv << "\n";
}

// Appends one row: the step, then every column present in `metrics` (empty fields for the others).
inline void append_metrics_csv(const std::filesystem::path& file, const std::vector<std::string>& columns, int step,
                               const std::vector<std::pair<std::string, double>>& metrics) {
  std::map<std::string, double> by_key(metrics.begin(), metrics.end());
  std::ofstream csv(file, std::ios::app);
  csv << step;
  for (size_t i = 1; i < columns.size(); ++i) {
    csv << ",";
    auto it = by_key.find(columns[i]);
    if (it != by_key.end()) csv << strf("%.9g", it->second);
  }
  csv << "\n";
}

// Forgets the rows written after `step` (resuming from its checkpoint).
inline void truncate_metrics_csv(const std::filesystem::path& file, int step) {
  std::ifstream in(file);
  std::vector<std::string> keep;
  for (std::string line; std::getline(in, line);) {
    if (keep.empty()) {
      keep.push_back(line);
      continue;
    }
    const int row_step = std::atoi(line.substr(0, line.find(',')).c_str());
    if (row_step <= step) keep.push_back(line);
  }
  in.close();
  std::ofstream out(file, std::ios::trunc);
  for (const auto& l : keep) out << l << "\n";
}

}  // namespace arena::trainer
