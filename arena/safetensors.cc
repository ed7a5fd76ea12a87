#include "arena/safetensors.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "games/api/params.h"

namespace arena {
namespace {

constexpr std::uint64_t kMaxHeader = 100u << 20;  // as the reference implementation: 100 MB

std::uint64_t element_count(const std::vector<std::int64_t>& shape) {
  std::uint64_t n = 1;
  for (auto d : shape) n *= static_cast<std::uint64_t>(d);
  return n;
}

}  // namespace

std::size_t dtype_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  throw Error("safetensors: unknown dtype '" + dtype + "'");
}

void write_safetensors(const std::string& path, const Safetensors& file) {
  nlohmann::json header = nlohmann::json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    if (name == "__metadata__") throw Error("safetensors: a tensor may not be called __metadata__");
    for (auto d : t.shape)
      if (d < 0) throw Error("safetensors: tensor " + name + " has a negative dimension");
    const std::uint64_t bytes = element_count(t.shape) * dtype_size(t.dtype);
    if (bytes != t.data.size())
      throw Error("safetensors: tensor " + name + " holds " + std::to_string(t.data.size()) + " bytes, its shape needs " +
                  std::to_string(bytes));
    header[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write " + tmp);
    std::uint8_t len[8];
    const std::uint64_t n = text.size();
    for (int i = 0; i < 8; ++i) len[i] = static_cast<std::uint8_t>(n >> (8 * i));
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& [name, t] : file.tensors)
      out.write(reinterpret_cast<const char*>(t.data.data()), static_cast<std::streamsize>(t.data.size()));
    out.flush();
    if (!out) throw Error("cannot write " + tmp + " (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error("cannot move " + tmp + " to " + path + ": " + ec.message());
}

Safetensors read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  in.seekg(0, std::ios::end);
  const std::uint64_t size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  auto bad = [&](const std::string& why) { return Error(path + " is not a valid safetensors file: " + why); };
  if (size < 8) throw bad("shorter than its 8-byte header length");
  std::uint8_t len[8];
  in.read(reinterpret_cast<char*>(len), 8);
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(len[i]) << (8 * i);
  if (n > kMaxHeader || n > size - 8) throw bad("header length " + std::to_string(n) + " exceeds the file");
  std::string text(n, '\0');
  in.read(text.data(), static_cast<std::streamsize>(n));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw bad(std::string("header is not JSON: ") + e.what());
  }
  if (!header.is_object()) throw bad("header is not a JSON object");
  const std::uint64_t data_size = size - 8 - n;
  Safetensors out;
  struct Range {
    std::uint64_t begin, end;
    std::string name;
  };
  std::vector<Range> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) throw bad("__metadata__ is not an object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string()) throw bad("__metadata__ value " + m.key() + " is not a string");
        out.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    const auto& e = *it;
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets") ||
        !e["dtype"].is_string() || !e["shape"].is_array() || !e["data_offsets"].is_array() ||
        e["data_offsets"].size() != 2)
      throw bad("entry " + it.key() + " lacks dtype, shape or data_offsets");
    TensorBytes t;
    t.dtype = e["dtype"].get<std::string>();
    std::size_t es = 0;
    try {
      es = dtype_size(t.dtype);
    } catch (const Error&) {
      throw bad("entry " + it.key() + " has unknown dtype " + t.dtype);
    }
    for (const auto& d : e["shape"]) {
      if (!d.is_number_unsigned()) throw bad("entry " + it.key() + " has a bad shape");
      t.shape.push_back(d.get<std::int64_t>());
    }
    const auto& off = e["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned()) throw bad("entry " + it.key() + " has bad offsets");
    const std::uint64_t b = off[0].get<std::uint64_t>(), en = off[1].get<std::uint64_t>();
    if (b > en || en > data_size) throw bad("entry " + it.key() + " points outside the data");
    if (en - b != element_count(t.shape) * es)
      throw bad("entry " + it.key() + " has " + std::to_string(en - b) + " bytes for its shape");
    ranges.push_back({b, en, it.key()});
    out.tensors.emplace(it.key(), std::move(t));
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  std::uint64_t expect = 0;
  for (const auto& r : ranges) {
    if (r.begin != expect) throw bad("byte ranges overlap or leave a hole at tensor " + r.name);
    expect = r.end;
  }
  if (expect != data_size) throw bad("trailing bytes after the last tensor");
  std::vector<std::uint8_t> data(data_size);
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data_size));
  if (!in) throw bad("truncated data");
  for (const auto& r : ranges)
    out.tensors[r.name].data.assign(data.begin() + static_cast<std::ptrdiff_t>(r.begin),
                                    data.begin() + static_cast<std::ptrdiff_t>(r.end));
  return out;
}

TensorBytes f32_tensor(const std::vector<std::int64_t>& shape, const float* values) {
  TensorBytes t;
  t.dtype = "F32";
  t.shape = shape;
  t.data.resize(element_count(shape) * 4);
  if (!t.data.empty()) std::memcpy(t.data.data(), values, t.data.size());
  return t;
}

std::vector<float> f32_values(const TensorBytes& t) {
  if (t.dtype != "F32") throw Error("expected an F32 tensor, got " + t.dtype);
  std::vector<float> v(t.data.size() / 4);
  if (!v.empty()) std::memcpy(v.data(), t.data.data(), t.data.size());
  return v;
}

}  // namespace arena
