// A CUDA kernel for language-model sampling. Plain C++ interface (device pointers, sizes, a stream as void*); its
// reference is the LibTorch tensor path in agents/lm/generate.cc, which computes the same numbers op by op.
#pragma once

#include <cstdint>

namespace arena::kernels {

// token[b] = argmax_v (scores[b, v] + g) with Gumbel noise g = −log(−log u), u = sampling_uniform(seeds[b], *step, v)
// (agents/lm/generate.h: splitmix64 over (seed, step, token), 53-bit uniform in (0, 1)); the sum is taken in double.
// `scores` is fp32 [rows, vocab] (logits / T, excluded tokens at −inf), `step` points to one int64 on the device (so
// the call can sit in a CUDA graph). Ties go to the smallest index. One block per row.
void gumbel_argmax(const float* scores, const std::int64_t* seeds, const std::int64_t* step, std::int64_t rows,
                   std::int64_t vocab, std::int64_t* token, void* stream);

}  // namespace arena::kernels
