// The training configuration (`arena train CONFIG.json`). Every field has a default; unknown fields and invalid values
// are arena::Errors naming the field. docs/training.md documents each field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace arena::trainer {

struct GameEntry {
  std::string game;          // canonical game string
  double weight = 1.0;       // episodes per (game, seat) each step = round(episodes_per_seat × weight), at least 1
  std::string opponent;      // fixed_opponent mode: the agent in the other seats ("" = the run's `opponent`)
  double draw_bonus = 0.0;   // added to every player's last turn when a match ends with all returns 0
  int episodes = 0;          // resolved per-(game, seat) episode count
};

// policy.kind = lm: a language model (agents/lm) in every learner seat, trained token by token (docs/training.md).
struct LmPolicyConfig {
  std::string checkpoint;              // the starting model directory; "" = a new random model from `init_*`
  std::string init_size = "micro";     // arena lm init presets (micro | tiny | small | 25m) or an HF config.json
  int init_context = 4096;             // its max_position_embeddings
  std::string init_tokenizer = "byte"; // byte | a tokenizer.json
  std::string mode = "free";           // free (generate, parse; MARS) — the trainable mode
  std::string format = "mars";         // mars | spiral
  double temperature = 0.6;            // rollout sampling temperature; the learner's π is softmax(logits / T)
  int top_k = 0;
  double top_p = 1.0;
  int max_new_tokens = 64;
  int micro_batch_tokens = 16384;      // tokens per forward/backward chunk of a minibatch (gradients accumulate)
  bool pack = true;                    // score a trajectory's consecutive turns in one row when the prompts extend
  double shard_mb = 16;                // checkpoint weight shards of at most this many MiB (0 = one file)
  // Warm start by supervised fine-tuning before the first step (trainer/lm_sft.h); sft_steps = 0: none.
  std::vector<std::string> sft_games;     // default: the training games
  std::vector<std::string> sft_teachers;  // one agent spec per SFT game
  int sft_matches = 64, sft_steps = 0, sft_batch = 8;
  double sft_lr = 1e-3;
};

struct PolicyConfig {
  std::string kind = "mlp";                 // mlp | tabular | lm
  std::vector<std::int64_t> hidden = {128, 128};
  std::string activation = "relu";          // relu | tanh
  double output_init_scale = 0.01;          // the output head starts near uniform
  LmPolicyConfig lm;
};

struct PpoConfig {
  double clip = 0.2;               // ratio clipped to [1 − clip, 1 + clip]
  double dual_clip = 1.4;          // c of dual-clip for negative advantages; 0 = off (else > 1)
  double kl_coef = 0.2;            // k3 KL to the reference policy
  double kl_clamp = 10.0;          // |k3| clamp per turn
  double kl_coef_final = -1;       // anneal kl_coef linearly to this over the run's steps (< 0: no annealing)
  std::string kl_estimator = "k3"; // k3 (MARS: on the sampled action) | full (exact KL over the legal actions)
  double entropy_coef = 0.0;
  int epochs = 1;
  int minibatches = 4;             // optimizer steps per epoch; minibatches hold whole trajectories
  std::string aggregation = "seq-mean-token-mean";  // token-mean | seq-mean-token-mean | seq-mean-token-sum |
                                                    // seq-mean-token-sum-norm
  double norm_horizon = 0;         // seq-mean-token-sum-norm divisor; 0 = the longest game's max length
  int ref_update_every = 0;        // 0: the reference stays the initial policy; k: it becomes the current one every k steps
};

struct OptimizerConfig {
  std::string name = "adamw";      // adamw | sgd (plain gradient steps: p ← p − lr·wd·p − lr·g)
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.95;
  double eps = 1e-8;
  double weight_decay = 0.0;
  int warmup_steps = 10;           // optimizer steps of linear warmup
  std::string schedule = "cosine"; // cosine (to min_lr over all optimizer steps) | constant
  double min_lr = 0.0;
  double max_grad_norm = 1.0;      // 0 = no clipping
};

struct EvalConfig {
  int every = 10;                          // steps between evaluations (0 = only at the end); always at step 0 and the end
  bool exploitability = true;              // exact, for two-player zero-sum games small enough to enumerate
  std::vector<std::string> opponents;      // agent specs played in every seat of every training game
  int episodes = 200;                      // per (game, opponent, seat)
  bool greedy = false;                     // evaluation acts greedily (argmax) instead of sampling
  std::int64_t max_tree_nodes = 5'000'000; // larger games skip exact exploitability
};

struct TrainConfig {
  std::uint64_t seed = 1;
  int steps = 100;
  std::vector<GameEntry> games;            // at least one
  int episodes_per_seat = 128;
  std::string mode = "self_play";          // self_play | fixed_opponent
  std::string opponent = "random";
  PolicyConfig policy;
  nlohmann::json estimator = {{"name", "mars"}};  // name + the estimator's own options
  std::string group_by = "batch";          // the estimator's group of a trajectory: batch | game | game_seat
  PpoConfig ppo;
  OptimizerConfig optimizer;
  std::string invalid = "mars";            // invalid-action policy (mars | spiral | penalty(offender=X,other=Y))
  double format_bonus = 0.0;               // lm policy: added to the reward of every turn whose answer parsed (MARS 0.05)
  EvalConfig eval;
  int checkpoint_every = 10;               // 0 = only at the end
  bool store_turns = true;                 // every turn of every rollout in SQLite
  int threads = 1;                         // torch intra-op threads and runner threads
  int max_in_flight = 256;                 // matches advanced together per rollout tick
  std::string device = "cpu";

  // The resolved configuration, defaults filled in (what the run stores and checkpoints).
  nlohmann::json to_json() const;
  nlohmann::json policy_json() const;
};

// Parses and validates; `where` names the source in messages. Games are loaded to check their strings.
TrainConfig parse_train_config(const nlohmann::json& j, const std::string& where);
TrainConfig load_train_config(const std::string& path);

// "cpu", "cuda" or "cuda:N" (N a device index).
bool valid_device_name(const std::string& device);

// Seats per match at most: trajectory id = match idx × kMaxSeats + seat, and game_seat's group id below.
constexpr std::int64_t kMaxSeats = 64;

// The estimator group id of a trajectory of game `slot` (its index in `games`) in seat `seat` under `group_by`: 0 for
// batch, the slot for game, slot × kMaxSeats + seat for game_seat.
std::int64_t estimator_group(const std::string& group_by, int slot, int seat);

// Learning rate at optimizer step t (0-based) of `total` steps.
double learning_rate(const OptimizerConfig& o, std::int64_t t, std::int64_t total);

}  // namespace arena::trainer
