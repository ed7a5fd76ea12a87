// Loss aggregation over the turns of a minibatch (torch-free). A trajectory plays the part of an LLM "sequence" and a
// turn the part of a token, so the modes keep their RL-for-LLM names:
//   token-mean               every turn weighs 1/N
//   seq-mean-token-mean      every trajectory weighs 1/S, shared by its turns: 1/(S·len)   (what ROLL's
//                            "seq-mean-token-sum" computes, and so MARS's default)
//   seq-mean-token-sum       every turn weighs 1/S (a trajectory's turns are summed)
//   seq-mean-token-sum-norm  every turn weighs 1/(S·H) for a constant horizon H (Dr.GRPO)
// N = turns, S = distinct trajectories in the minibatch. The loss is Σ_i w_i·x_i.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace arena::trainer {

std::vector<double> agg_weights(const std::vector<std::int64_t>& sequence, const std::string& mode, double horizon);

}  // namespace arena::trainer
