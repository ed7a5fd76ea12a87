// Tokenizers of the language-model agent (torch-free):
//   "byte"           the built-in byte-level tokenizer for models trained from scratch (ids below);
//   tokenizer.json   Hugging Face byte-level BPE files of the GPT-2 / Qwen2 / Qwen3 family, encoded exactly as PyPI
//                    `tokenizers` does (tests/lm_text/tokenizer_test.cc checks it id for id).
// Token ids are int32 everywhere, as the model's embedding lookups take them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace arena::lm {

// A token that is matched in the text before any other processing (HF `added_tokens`). Special tokens are the
// chat-control ones (`<|im_end|>`); non-special added tokens are ordinary vocabulary that must never be split.
struct AddedToken {
  std::string content;
  std::int32_t id = 0;
  bool special = false;
};

class Tokenizer {
 public:
  virtual ~Tokenizer();
  // Added tokens are matched first (longest match at the leftmost position, as HF does), so "<|im_start|>" in the
  // text becomes one id; the text between them goes through normalization, pre-tokenization and the model.
  virtual std::vector<std::int32_t> encode(std::string_view text) const = 0;
  // The concatenated token_bytes of the ids. Ids that cut a multi-byte character yield invalid UTF-8; streaming
  // callers use Utf8StreamDecoder.
  virtual std::string decode(std::span<const std::int32_t> ids) const;
  // The raw bytes a token stands for (an added token: its content, e.g. "<|im_end|>"; an unused id inside the
  // range: empty); arena::Error for an id outside [0, vocab_size()).
  virtual std::string token_bytes(std::int32_t id) const = 0;
  // 1 + the largest id.
  virtual int vocab_size() const = 0;
  // The id of an added token ("<|im_end|>", "<think>", ...) when this tokenizer has it.
  std::optional<std::int32_t> special_token(std::string_view content) const;
  const std::vector<AddedToken>& added_tokens() const { return added_; }
  // "byte" or "bpe".
  virtual std::string kind() const = 0;

 protected:
  Tokenizer() = default;
  explicit Tokenizer(std::vector<AddedToken> added) : added_(std::move(added)) {}

 private:
  std::vector<AddedToken> added_;
};

// Incremental decoding for streamed generation: push ids, get back the text that became complete. A multi-byte
// character cut across tokens is held until its last byte arrives; bytes that can never form a character come out
// as U+FFFD (one per maximal invalid subpart, as Python's errors="replace"), so every returned piece is valid UTF-8.
class Utf8StreamDecoder {
 public:
  explicit Utf8StreamDecoder(const Tokenizer& tokenizer) : tokenizer_(&tokenizer) {}
  std::string push(std::int32_t id);
  std::string push(std::span<const std::int32_t> ids);
  std::string push_bytes(std::string_view bytes);
  // What is still held (an unfinished character) as U+FFFD; the decoder is then empty.
  std::string finish();
  bool pending() const { return !pending_.empty(); }

 private:
  const Tokenizer* tokenizer_;
  std::string pending_;
};

// The built-in byte-level tokenizer: ids 0..255 are the bytes, then special tokens with Qwen's names. The order is
// fixed; models trained with it depend on these ids:
inline constexpr std::int32_t kByteEndOfText = 256;   // <|endoftext|>  (padding)
inline constexpr std::int32_t kByteImStart = 257;     // <|im_start|>
inline constexpr std::int32_t kByteImEnd = 258;       // <|im_end|>     (end of a chat turn: the eos)
inline constexpr std::int32_t kByteThink = 259;       // <think>
inline constexpr std::int32_t kByteThinkEnd = 260;    // </think>
inline constexpr std::int32_t kByteAnswer = 261;      // <answer>
inline constexpr std::int32_t kByteAnswerEnd = 262;   // </answer>
inline constexpr int kByteVocabSize = 263;
std::unique_ptr<Tokenizer> make_byte_tokenizer();
// The byte-level tokenizer as an HF tokenizer.json (byte-level BPE with the 256 byte symbols at id = byte value, no
// merges, the special tokens as added tokens), so HF `tokenizers`, `transformers` and load_tokenizer() all read it
// back to exactly the ids of make_byte_tokenizer().
std::string byte_tokenizer_json();
void write_byte_tokenizer_json(const std::string& path);

// An HF tokenizer.json's text; `source` names it in errors. Byte-level BPE only; anything else (another model type,
// a normalizer other than NFC, an unknown pre-tokenizer, a post-processor that adds tokens) is an arena::Error naming
// the JSON field.
std::unique_ptr<Tokenizer> parse_hf_tokenizer(std::string_view json_text, const std::string& source);
// "byte", a path to a tokenizer.json, or a directory holding one. A tokenizer.json that encodes exactly as the byte
// tokenizer (the file write_byte_tokenizer_json() writes) loads as the byte tokenizer: kind() "byte".
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& spec);

}  // namespace arena::lm
