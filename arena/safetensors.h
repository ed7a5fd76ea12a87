// The safetensors format, read and written here: an 8-byte little-endian header length N, N bytes of JSON header
// {"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}} padded
// with spaces to a multiple of 8, then the tensors' raw little-endian bytes. Offsets are relative to the end of the
// header; tensors are stored back to back without holes. Files written here load in HF `safetensors` and back.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace arena {

struct TensorBytes {
  std::string dtype;                 // F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> data;    // row-major, little-endian
};

struct Safetensors {
  std::map<std::string, TensorBytes> tensors;
  std::map<std::string, std::string> metadata;
};

// Bytes per element of a dtype name; arena::Error for an unknown one.
std::size_t dtype_size(const std::string& dtype);

// Writes atomically (a temporary file renamed over `path`). arena::Error on I/O failure or inconsistent sizes.
void write_safetensors(const std::string& path, const Safetensors& file);
// Reads and validates (header bounds, dtypes, sizes, overlapping or missing byte ranges): arena::Error naming the
// file and the problem.
Safetensors read_safetensors(const std::string& path);

// Float32 helpers.
TensorBytes f32_tensor(const std::vector<std::int64_t>& shape, const float* values);
std::vector<float> f32_values(const TensorBytes& t);

}  // namespace arena
