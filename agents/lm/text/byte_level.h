// Internals shared by the byte-level and the BPE tokenizers (not part of the agent's API).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agents/lm/text/tokenizer.h"

namespace arena::lm::detail {

// GPT-2's bytes_to_unicode: the printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves, the
// other 68 bytes for U+0100 + n in byte order (space is 'Ġ' U+0120, newline 'Ċ' U+010A), so every byte is one
// visible character and byte-level vocabularies are plain JSON strings. Entry b is the UTF-8 of byte b's character.
const std::array<std::string, 256>& byte_symbols();
// Byte b of each character of `symbols`, as HF's ByteLevel decoder does it: when a character is outside the map the
// whole token stays as its own UTF-8 (that is how added tokens with spaces decode).
std::string symbols_to_bytes(std::string_view symbols);

// Offset of the first byte that does not start a well-formed UTF-8 sequence (overlongs, surrogates and values above
// U+10FFFF included), or npos.
std::size_t invalid_utf8_offset(std::string_view s);

// A run of text between added tokens (id < 0), or one added token.
struct TextPiece {
  std::string_view text;
  std::int32_t id = -1;
};

// Finds added tokens the way HF's leftmost-longest Aho-Corasick does: at the leftmost position where any token
// matches, the longest one wins. Candidates are bucketed by first byte; there are a few dozen tokens at most.
class AddedTokenMatcher {
 public:
  void add(std::string content, std::int32_t id);
  bool empty() const { return count_ == 0; }
  // Appends the pieces of `text` to `out`; empty runs are left out.
  void split(std::string_view text, std::vector<TextPiece>& out) const;

 private:
  std::array<std::vector<std::pair<std::string, std::int32_t>>, 256> by_first_byte_;  // longest first
  int count_ = 0;
};

// Whether `added` are exactly the byte tokenizer's special tokens (contents and ids), so that a tokenizer.json
// written by write_byte_tokenizer_json() loads as the byte tokenizer itself.
bool is_byte_tokenizer_layout(const std::vector<AddedToken>& added);

}  // namespace arena::lm::detail
