// Reading the chosen action out of a language model's response, and the continuations that constrained decoding
// scores, for the two prompt formats of prompt.h (reference/mars.md §2 and §8).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "agents/lm/text/prompt.h"

namespace arena::lm {

struct ParsedAnswer {
  std::optional<int> index;   // into the legal strings; nullopt when the answer is rejected
  std::string action_text;    // the extracted answer (the legal string on success), for logs and error messages
  std::string error;          // why the answer was rejected, written for the model to read on a retry
  bool ok() const { return index.has_value(); }
};

// MARS: `response` is the whole raw response, the forced "<think>\n" included. Trailing whitespace and trailing
// `<|im_end|>` / `<|endoftext|>` are removed first; the rest must match
// `^<think>(.*?)</think>\s*<answer>(.*?)</answer>$` (DOTALL). The answer content, with special tokens removed, is
// split on "||" and its first non-empty part, trimmed, must equal a legal string exactly (case-sensitive).
// SPIRAL: the content of the last complete top-level `\boxed{...}` (braces nested inside are kept), trimmed, must
// equal a legal string; one leniency: content that becomes legal once wrapped in angle brackets is accepted (`BET` →
// `<BET>`), since SPIRAL's own games take bare action names and our action strings carry the brackets.
ParsedAnswer parse_answer(std::string_view response, PromptFormat fmt, std::span<const std::string> legal);

// Constrained mode scores each legal action a as the continuation of the rendered prompt (generation prompt
// included) by constrained_prefix(fmt) + a + constrained_suffix(fmt):
//   MARS:   "</think>\n<answer>" + a + "</answer>"; the generation prompt already opened "<think>\n", so the stored
//           raw response "<think>\n" + continuation is an empty thinking block followed by the answer and parses.
//   SPIRAL: "\boxed{" + a + "}".
std::string constrained_prefix(PromptFormat fmt);
std::string constrained_suffix(PromptFormat fmt);
std::string constrained_continuation(PromptFormat fmt, std::string_view action);

}  // namespace arena::lm
