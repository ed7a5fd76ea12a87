// Self-play training runs (`arena train`). This header is torch-free: the CLI includes it; the implementation links
// LibTorch. See docs/training.md for the configuration, the run directory and the metrics.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace arena::trainer {

struct TrainOptions {
  std::string config_path;       // may be empty when resuming (the run's stored configuration is used)
  std::string config_text;       // alternatively, the configuration itself (JSON text), named "<embedded>" in errors
  std::string db_path = "arena.db";
  std::string out_dir;           // the run directory (checkpoints, metrics.csv)
  bool resume = false;           // continue the run in out_dir from its latest checkpoint
  int until_step = 0;            // stop after this step (checkpointed) without finishing the run; 0 = run to the end
  std::string device;            // overrides the configuration's device
  bool progress = true;          // progress lines on stdout
  int progress_every = 1;        // a line every this many steps (evaluation steps always print)
};

struct TrainResult {
  std::int64_t run_id = 0;
  int step = 0;                  // the last step completed
  bool finished = false;         // every configured step done
  std::map<std::string, double> first_eval, last_eval;  // evaluation metrics at the run's first and last evaluation
  std::map<std::string, std::vector<double>> steps_metrics;  // every metric of the steps run now, in step order
};

TrainResult run_train(const TrainOptions& options);

// Registers `policy(checkpoint=DIR)` with the agent registry's builtin `policy` kind.
void register_trainer_agents();

}  // namespace arena::trainer
