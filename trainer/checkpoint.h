// Checkpoints of training runs (LibTorch). Layout of a run directory (`arena train --out DIR`):
//   DIR/config.json                          the resolved configuration
//   DIR/metrics.csv                          one row per step
//   DIR/latest.json                          {"step": N, "path": "checkpoints/step-00000N"}
//   DIR/checkpoints/step-NNNNNNNN/model.safetensors    policy parameters (F32); metadata "arena.format" =
//                                                      "arena-policy-1", "arena.architecture" = JSON to rebuild it
//   DIR/checkpoints/step-NNNNNNNN/trainer.safetensors  reference policy ("ref.<name>") and AdamW moments
//                                                      ("adam.m.<name>", "adam.v.<name>")
//   DIR/checkpoints/step-NNNNNNNN/state.json           step, optimizer steps, run id, estimator state, config
// Include only from torch translation units.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "arena/safetensors.h"
#include "trainer/policy.h"

namespace arena::trainer {

// A checkpoint directory holding model.safetensors, or a run directory (then its latest checkpoint).
std::string resolve_checkpoint_dir(const std::string& path);

void save_model(Policy& policy, const std::string& file);
std::shared_ptr<Policy> load_model(const std::string& file);
// Loads parameters into an existing policy of the same architecture (names and shapes must match).
void load_parameters(Policy& policy, const std::string& file, const std::string& prefix = "");

// A tensor as F32 safetensors bytes; loading one into `target` (any device) checks its dtype and shape and names
// `file` and the tensor in errors.
TensorBytes float32_tensor(const torch::Tensor& t);
void load_float32_tensor(const Safetensors& f, const std::string& name, torch::Tensor& target, const std::string& file);

void save_trainer_tensors(Policy& ref, AdamW& adam, Policy& policy, const std::string& file);
void load_trainer_tensors(Policy& ref, AdamW& adam, Policy& policy, const std::string& file);

}  // namespace arena::trainer
