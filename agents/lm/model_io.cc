// Loading and saving Qwen3 checkpoints in the HF layout: config.json plus model.safetensors, or shards named
// model-0000i-of-0000n.safetensors with model.safetensors.index.json = {"metadata": {"total_size": bytes},
// "weight_map": {tensor name: shard file}}.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "agents/lm/model.h"
#include "arena/safetensors.h"
#include "games/api/params.h"

namespace arena::lm {
namespace fs = std::filesystem;
namespace {

torch::ScalarType file_dtype(const std::string& d, const std::string& file, const std::string& name) {
  if (d == "F32") return torch::kFloat32;
  if (d == "BF16") return torch::kBFloat16;
  if (d == "F16") return torch::kFloat16;
  throw Error(file + ": tensor '" + name + "' has dtype " + d + "; model weights must be F32, BF16 or F16");
}

std::string st_dtype(torch::ScalarType t) {
  if (t == torch::kFloat32) return "F32";
  if (t == torch::kBFloat16) return "BF16";
  if (t == torch::kFloat16) return "F16";
  throw Error("cannot store weights as " + std::string(c10::toString(t)));
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::json::parse(ss.str());
  } catch (const std::exception& e) {
    throw Error(path + ": not valid JSON (" + e.what() + ")");
  }
}

void write_text_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write " + tmp);
    out << text;
    if (!out) throw Error("cannot write " + tmp);
  }
  fs::rename(tmp, path);
}

}  // namespace

Qwen3Model load_model(const std::string& dir, torch::Device device, torch::ScalarType dtype) {
  if (!fs::is_directory(dir)) throw Error("model directory " + dir + " does not exist");
  const std::string config_path = (fs::path(dir) / "config.json").string();
  if (!fs::exists(config_path)) throw Error(dir + " holds no config.json");
  Qwen3Model model(read_model_config(config_path), torch::kCPU, torch::kFloat32);

  // Which file holds each tensor.
  std::map<std::string, std::string> where;
  const auto single = fs::path(dir) / "model.safetensors";
  const auto index = fs::path(dir) / "model.safetensors.index.json";
  std::set<std::string> files;
  if (fs::exists(index)) {
    auto j = read_json(index.string());
    if (!j.contains("weight_map") || !j["weight_map"].is_object())
      throw Error(index.string() + ": no weight_map object");
    for (auto& [name, file] : j["weight_map"].items()) {
      if (!file.is_string()) throw Error(index.string() + ": weight_map['" + name + "'] is not a file name");
      const std::string f = file.get<std::string>();
      if (f.find('/') != std::string::npos || f.find("..") != std::string::npos)
        throw Error(index.string() + ": shard name '" + f + "' must be a plain file name");
      where[name] = f;
      files.insert(f);
    }
  } else if (fs::exists(single)) {
    files.insert("model.safetensors");
  } else {
    throw Error(dir + " holds neither model.safetensors nor model.safetensors.index.json");
  }

  std::map<std::string, torch::Tensor> loaded;
  for (const auto& f : files) {
    const std::string path = (fs::path(dir) / f).string();
    auto st = read_safetensors(path);
    for (auto& [name, tb] : st.tensors) {
      if (!where.empty() && where.count(name) && where[name] != f)
        throw Error(path + ": holds '" + name + "', which the index places in " + where[name]);
      const auto dt = file_dtype(tb.dtype, path, name);
      auto t = torch::from_blob(tb.data.data(), tb.shape, dt).clone();
      loaded[name] = t;
    }
  }
  for (const auto& [name, f] : where)
    if (!loaded.count(name)) throw Error(dir + ": the index lists '" + name + "' in " + f + ", which lacks it");

  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  for (auto& [name, param] : model.named_parameters()) {
    auto it = loaded.find(name);
    if (it == loaded.end()) throw Error(dir + ": the checkpoint has no tensor '" + name + "'");
    if (it->second.sizes() != param.sizes()) {
      std::ostringstream os;
      os << dir << ": tensor '" << name << "' has shape " << it->second.sizes() << ", the config implies "
         << param.sizes();
      throw Error(os.str());
    }
    const_cast<torch::Tensor&>(param).copy_(it->second.to(torch::kFloat32));
    used.insert(name);
  }
  for (const auto& [name, t] : loaded) {
    // A tied checkpoint written by some tools still carries lm_head.weight (equal to the embedding): tolerate it.
    if (!used.count(name) && !(name == "lm_head.weight" && model.config().tie_word_embeddings))
      throw Error(dir + ": unexpected tensor '" + name + "' (the config does not use it)");
  }
  model.to(device, dtype);
  return model;
}

void save_model(const Qwen3Model& model, const std::string& dir, const std::string& store_dtype,
                std::int64_t max_shard_bytes) {
  const auto st = parse_dtype(store_dtype);
  fs::create_directories(dir);
  ModelConfig cfg = model.config();
  cfg.dtype = dtype_name(st);
  write_text_atomic((fs::path(dir) / "config.json").string(), model_config_json(cfg).dump(2) + "\n");

  // Group tensors into shards in parameter order.
  std::vector<Safetensors> shards(1);
  std::vector<std::int64_t> shard_bytes(1, 0);
  std::int64_t total = 0;
  for (const auto& [name, t] : model.named_parameters()) {
    auto c = t.detach().to(torch::kCPU, st).contiguous();
    TensorBytes tb;
    tb.dtype = st_dtype(st);
    tb.shape = c.sizes().vec();
    const auto bytes = static_cast<std::int64_t>(c.numel() * c.element_size());
    tb.data.resize(static_cast<size_t>(bytes));
    std::memcpy(tb.data.data(), c.data_ptr(), static_cast<size_t>(bytes));
    if (max_shard_bytes > 0 && shard_bytes.back() > 0 && shard_bytes.back() + bytes > max_shard_bytes) {
      shards.emplace_back();
      shard_bytes.push_back(0);
    }
    shards.back().tensors[name] = std::move(tb);
    shard_bytes.back() += bytes;
    total += bytes;
  }
  const size_t n = shards.size();
  std::set<std::string> written;
  if (n == 1) {
    shards[0].metadata["format"] = "pt";
    write_safetensors((fs::path(dir) / "model.safetensors").string(), shards[0]);
    written.insert("model.safetensors");
  } else {
    nlohmann::json index = {{"metadata", {{"total_size", total}}}, {"weight_map", nlohmann::json::object()}};
    for (size_t i = 0; i < n; ++i) {
      char name[64];
      std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1, n);
      shards[i].metadata["format"] = "pt";
      write_safetensors((fs::path(dir) / name).string(), shards[i]);
      for (const auto& [t, _] : shards[i].tensors) index["weight_map"][t] = name;
      written.insert(name);
    }
    write_text_atomic((fs::path(dir) / "model.safetensors.index.json").string(), index.dump(2) + "\n");
    written.insert("model.safetensors.index.json");
  }
  // Weight files of an earlier save that this one replaces.
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    const bool weight_file = f == "model.safetensors" || f == "model.safetensors.index.json" ||
                             (f.rfind("model-", 0) == 0 && f.size() > 12 &&
                              f.compare(f.size() - 12, 12, ".safetensors") == 0);
    if (weight_file && !written.count(f)) fs::remove(e.path());
  }
}

}  // namespace arena::lm
