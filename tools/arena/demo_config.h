// The self-play run of `arena demo`: Kuhn poker, one MLP policy in both seats, MARS (code-mode) advantages, PPO with
// an exact KL to the initial policy; about a minute on two CPU cores. docs/training.md explains every field.
#pragma once

namespace arena::cli {

inline constexpr const char* kDemoTrainConfig = R"json({
  "seed": 1,
  "steps": 150,
  "games": ["kuhn_poker"],
  "episodes_per_seat": 4096,
  "policy": {"kind": "mlp", "hidden": [64, 64]},
  "estimator": {"name": "mars", "mode": "code"},
  "ppo": {"kl_coef": 0.2, "kl_estimator": "full", "minibatches": 4},
  "optimizer": {"lr": 0.001, "warmup_steps": 10, "schedule": "cosine"},
  "eval": {"every": 25},
  "checkpoint_every": 50
})json";

}  // namespace arena::cli
