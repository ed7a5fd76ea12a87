#include "agents/lm/text/parse.h"

#include <array>
#include <cctype>

namespace arena::lm {
namespace {

// The Qwen special tokens that may appear as text in a decoded response (MARS strips its special_token_list from
// the answer content).
constexpr std::array<std::string_view, 3> kSpecialTokens = {"<|im_start|>", "<|im_end|>", "<|endoftext|>"};

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string clip(std::string_view s, size_t n = 120) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, n)) + "...";
}

std::string legal_list(std::span<const std::string> legal) {
  std::string s;
  for (size_t i = 0; i < legal.size(); ++i) s += (i ? ", " : "") + legal[i];
  return s;
}

// Exact match, or the error naming the legal strings (with a hint when only letter case differs).
ParsedAnswer match_legal(std::string candidate, std::span<const std::string> legal, bool bracket_leniency) {
  ParsedAnswer r;
  for (size_t i = 0; i < legal.size(); ++i)
    if (legal[i] == candidate) {
      r.index = static_cast<int>(i);
      r.action_text = legal[i];
      return r;
    }
  if (bracket_leniency && !candidate.empty() && candidate.front() != '<') {
    const std::string wrapped = "<" + candidate + ">";
    for (size_t i = 0; i < legal.size(); ++i)
      if (legal[i] == wrapped) {
        r.index = static_cast<int>(i);
        r.action_text = legal[i];
        return r;
      }
  }
  r.action_text = candidate;
  r.error = "'" + clip(candidate) + "' is not one of the legal actions: " + legal_list(legal);
  for (const std::string& l : legal)
    if (lower(l) == lower(candidate)) {
      r.error += " (matching is exact and case-sensitive: did you mean '" + l + "'?)";
      break;
    }
  return r;
}

ParsedAnswer reject(std::string error) {
  ParsedAnswer r;
  r.error = std::move(error);
  return r;
}

std::string_view strip_trailing_special(std::string_view s) {
  for (bool again = true; again;) {
    again = false;
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    for (std::string_view tok : {std::string_view("<|im_end|>"), std::string_view("<|endoftext|>")})
      if (s.size() >= tok.size() && s.substr(s.size() - tok.size()) == tok) {
        s.remove_suffix(tok.size());
        again = true;
      }
  }
  return s;
}

ParsedAnswer parse_mars(std::string_view response, std::span<const std::string> legal) {
  static constexpr std::string_view kThink = "<think>", kThinkEnd = "</think>";
  static constexpr std::string_view kAnswer = "<answer>", kAnswerEnd = "</answer>";
  const std::string_view s = strip_trailing_special(response);
  if (s.substr(0, kThink.size()) != kThink)
    return reject("the response must start with <think> (think first, then give <answer>...</answer>)");
  if (s.find(kThinkEnd, kThink.size()) == std::string_view::npos)
    return reject("the thinking block is never closed with </think>; no <answer>...</answer> block was given");
  // `(.*?)</think>\s*<answer>`: the lazy group backtracks to a later </think> when the first one is not followed by
  // <answer>, so try each </think> in turn.
  size_t content_begin = std::string_view::npos;
  for (size_t pos = s.find(kThinkEnd, kThink.size()); pos != std::string_view::npos;
       pos = s.find(kThinkEnd, pos + 1)) {
    size_t q = pos + kThinkEnd.size();
    while (q < s.size() && is_space(s[q])) ++q;
    if (s.substr(q, kAnswer.size()) == kAnswer) {
      content_begin = q + kAnswer.size();
      break;
    }
  }
  if (content_begin == std::string_view::npos)
    return reject("no <answer>...</answer> block directly after </think>");
  // `(.*?)</answer>$`: the answer block must end the response.
  const bool ends_with_close =
      s.size() >= content_begin + kAnswerEnd.size() && s.substr(s.size() - kAnswerEnd.size()) == kAnswerEnd;
  if (!ends_with_close) {
    if (s.find(kAnswerEnd, content_begin) != std::string_view::npos)
      return reject("extra text after </answer>: the response must end with the answer block");
    return reject("the <answer> block is never closed with </answer>");
  }
  std::string content(s.substr(content_begin, s.size() - kAnswerEnd.size() - content_begin));
  for (std::string_view tok : kSpecialTokens)
    for (size_t at; (at = content.find(tok)) != std::string::npos;) content.erase(at, tok.size());
  // MARS keeps only the first of several "||"-separated actions.
  std::string first;
  for (size_t from = 0; from <= content.size();) {
    size_t bar = content.find("||", from);
    const std::string_view part = trim(std::string_view(content).substr(from, bar == std::string::npos
                                                                                   ? std::string::npos
                                                                                   : bar - from));
    if (!part.empty()) {
      first = std::string(part);
      break;
    }
    if (bar == std::string::npos) break;
    from = bar + 2;
  }
  if (first.empty()) return reject("the <answer> block is empty");
  return match_legal(first, legal, false);
}

ParsedAnswer parse_spiral(std::string_view response, std::span<const std::string> legal) {
  static constexpr std::string_view kBoxed = "\\boxed{";
  std::optional<std::string_view> last;
  bool unclosed = false;
  for (size_t pos = response.find(kBoxed); pos != std::string_view::npos;) {
    const size_t begin = pos + kBoxed.size();
    int depth = 1;
    size_t i = begin;
    for (; i < response.size() && depth > 0; ++i) {
      if (response[i] == '{') ++depth;
      else if (response[i] == '}') --depth;
    }
    if (depth > 0) {
      unclosed = true;
      break;
    }
    last = response.substr(begin, i - 1 - begin);
    pos = response.find(kBoxed, i);  // top level only: boxes nested in this one are part of its content
  }
  // A final box cut off by the length limit leaves the last complete one as the answer.
  if (unclosed && !last) return reject("the \\boxed{ is never closed with }");
  if (!last) return reject("no \\boxed{...} answer in the response");
  const std::string_view content = trim(*last);
  if (content.empty()) return reject("the \\boxed{} answer is empty");
  return match_legal(std::string(content), legal, true);
}

}  // namespace

ParsedAnswer parse_answer(std::string_view response, PromptFormat fmt, std::span<const std::string> legal) {
  return fmt == PromptFormat::kMars ? parse_mars(response, legal) : parse_spiral(response, legal);
}

std::string constrained_prefix(PromptFormat fmt) {
  return fmt == PromptFormat::kMars ? "</think>\n<answer>" : "\\boxed{";
}

std::string constrained_suffix(PromptFormat fmt) { return fmt == PromptFormat::kMars ? "</answer>" : "}"; }

std::string constrained_continuation(PromptFormat fmt, std::string_view action) {
  return constrained_prefix(fmt) + std::string(action) + constrained_suffix(fmt);
}

}  // namespace arena::lm
