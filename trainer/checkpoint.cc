#include "trainer/checkpoint.h"

#include <filesystem>
#include <fstream>

#include "games/api/params.h"
#include "arena/safetensors.h"

namespace fs = std::filesystem;

namespace arena::trainer {
TensorBytes float32_tensor(const torch::Tensor& t) {
  auto c = t.detach().to(torch::kCPU).to(torch::kFloat32).contiguous();
  std::vector<std::int64_t> shape(c.sizes().begin(), c.sizes().end());
  return f32_tensor(shape, c.data_ptr<float>());
}

void load_float32_tensor(const Safetensors& f, const std::string& name, torch::Tensor& target,
                         const std::string& file) {
  auto it = f.tensors.find(name);
  if (it == f.tensors.end()) throw Error(file + " lacks tensor " + name);
  std::vector<std::int64_t> shape(target.sizes().begin(), target.sizes().end());
  if (it->second.dtype != "F32" || it->second.shape != shape)
    throw Error(file + ": tensor " + name + " has dtype " + it->second.dtype +
                " and a shape that does not match the model it is loaded into");
  auto v = f32_values(it->second);
  torch::NoGradGuard guard;
  target.copy_(torch::from_blob(v.data(), shape, torch::kFloat32).to(target.device()));
}

std::string resolve_checkpoint_dir(const std::string& path) {
  if (fs::exists(fs::path(path) / "model.safetensors")) return path;
  const auto latest = fs::path(path) / "latest.json";
  if (fs::exists(latest)) {
    std::ifstream in(latest);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(in);
      return (fs::path(path) / j.at("path").get<std::string>()).string();
    } catch (const nlohmann::json::exception& e) {
      throw Error(latest.string() + " is malformed: " + e.what());
    }
  }
  throw Error("'" + path + "' is neither a checkpoint directory (with model.safetensors) nor a training run directory "
              "(with latest.json)");
}

void save_model(Policy& policy, const std::string& file) {
  Safetensors f;
  for (auto& [name, t] : policy.named_params()) f.tensors[name] = float32_tensor(t);
  f.metadata["arena.format"] = "arena-policy-1";
  f.metadata["arena.architecture"] = policy.architecture().dump();
  write_safetensors(file, f);
}

std::shared_ptr<Policy> load_model(const std::string& file) {
  auto f = read_safetensors(file);
  auto it = f.metadata.find("arena.architecture");
  if (it == f.metadata.end() || f.metadata["arena.format"] != "arena-policy-1")
    throw Error(file + " is not an Arena policy checkpoint (no arena.format = arena-policy-1 metadata)");
  nlohmann::json arch;
  try {
    arch = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(file + ": arena.architecture is not JSON: " + e.what());
  }
  auto policy = make_policy(arch);
  for (auto& [name, t] : policy->named_params()) load_float32_tensor(f, name, t, file);
  return policy;
}

void load_parameters(Policy& policy, const std::string& file, const std::string& prefix) {
  auto f = read_safetensors(file);
  auto params = policy.named_params();
  size_t in_file = 0;
  for (const auto& [name, t] : f.tensors) in_file += name.rfind(prefix, 0) == 0;
  if (in_file != params.size())
    throw Error(file + " holds " + std::to_string(in_file) + " parameter tensors, the policy has " +
                std::to_string(params.size()) + ": another architecture");
  for (auto& [name, t] : params) load_float32_tensor(f, prefix + name, t, file);
}

void save_trainer_tensors(Policy& ref, AdamW& adam, Policy& policy, const std::string& file) {
  Safetensors f;
  for (auto& [name, t] : ref.named_params()) f.tensors["ref." + name] = float32_tensor(t);
  auto params = policy.named_params();
  for (size_t i = 0; i < params.size(); ++i) {
    f.tensors["adam.m." + params[i].first] = float32_tensor(adam.m()[i]);
    f.tensors["adam.v." + params[i].first] = float32_tensor(adam.v()[i]);
  }
  f.metadata["arena.format"] = "arena-trainer-1";
  f.metadata["adam.steps"] = std::to_string(adam.steps());
  write_safetensors(file, f);
}

void load_trainer_tensors(Policy& ref, AdamW& adam, Policy& policy, const std::string& file) {
  auto f = read_safetensors(file);
  if (f.metadata["arena.format"] != "arena-trainer-1") throw Error(file + " is not an Arena trainer state file");
  for (auto& [name, t] : ref.named_params()) load_float32_tensor(f, "ref." + name, t, file);
  auto params = policy.named_params();
  for (size_t i = 0; i < params.size(); ++i) {
    load_float32_tensor(f, "adam.m." + params[i].first, adam.m()[i], file);
    load_float32_tensor(f, "adam.v." + params[i].first, adam.v()[i], file);
  }
  try {
    adam.set_steps(std::stoll(f.metadata.at("adam.steps")));
  } catch (const std::exception&) {
    throw Error(file + ": bad adam.steps metadata");
  }
}

}  // namespace arena::trainer
