// Self-play training of a language-model policy (`arena train` with policy.kind = lm). Torch-free header.
//
// The run starts from a checkpoint (or a new random model), optionally fine-tunes it on teacher transcripts
// (trainer/lm_sft.h), then repeats: every scheduled match is played with the live model in every learner seat (one
// generation batch across all concurrent games); each decision's prompt and sampled tokens are kept; turn rewards get
// MARS's shaping (format bonus on answers that parsed, draw bonus, the invalid-action penalty on the refused answer
// that ended the game); the configured estimator gives one advantage per turn, broadcast to every token of that turn's
// response; PPO epochs over minibatches of whole trajectories recompute the tokens' log-probabilities under
// softmax(logits / T) (clip, dual-clip, k3 KL to the reference model, i.e. the starting or fine-tuned one).
// docs/training.md documents the configuration and the run directory.
#pragma once

#include "trainer/config.h"
#include "trainer/train.h"

namespace arena::trainer {

TrainResult run_lm_train(const TrainOptions& options, const TrainConfig& config);

// The configuration of a run (stored with the run on --resume), validated.
TrainConfig resolve_train_config(const TrainOptions& options);

}  // namespace arena::trainer
