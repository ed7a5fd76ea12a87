// The tokenizer interface, streaming UTF-8 decoding, the built-in byte-level tokenizer and load_tokenizer(). The
// HF byte-level BPE loader is bpe_tokenizer.cc.
#include "agents/lm/text/tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "agents/lm/text/byte_level.h"
#include "games/api/params.h"

namespace arena::lm {

namespace detail {

namespace {

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Length of the well-formed UTF-8 sequence starting at s[i]: > 0 when complete, 0 when it is a valid prefix cut by
// the end of s, < 0 (minus the length of the maximal invalid subpart) otherwise. The ranges of the second byte are
// those of Unicode's table 3-7, which excludes overlongs, surrogates and values above U+10FFFF.
int utf8_sequence(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  int len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return -1;
  }
  for (int k = 1; k < len; ++k) {
    if (i + k >= s.size()) return 0;
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return -k;
  }
  return len;
}

}  // namespace

const std::array<std::string, 256>& byte_symbols() {
  static const std::array<std::string, 256> table = [] {
    std::array<std::string, 256> t;
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      append_utf8(t[b], printable ? static_cast<char32_t>(b) : next++);
    }
    return t;
  }();
  return table;
}

std::string symbols_to_bytes(std::string_view symbols) {
  // The map's characters are all below U+0144.
  static const std::array<int, 0x144> inverse = [] {
    std::array<int, 0x144> inv;
    inv.fill(-1);
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      inv[printable ? b : next++] = b;
    }
    return inv;
  }();
  std::string out;
  out.reserve(symbols.size());
  for (std::size_t i = 0; i < symbols.size();) {
    const auto c = static_cast<unsigned char>(symbols[i]);
    char32_t cp;
    int len;
    if (c < 0x80) {
      cp = c, len = 1;
    } else if ((c >> 5) == 0x6 && i + 1 < symbols.size()) {
      cp = ((c & 0x1F) << 6) | (symbols[i + 1] & 0x3F), len = 2;
    } else {
      return std::string(symbols);  // three- and four-byte characters are never in the map
    }
    if (cp >= inverse.size() || inverse[cp] < 0) return std::string(symbols);
    out += static_cast<char>(inverse[cp]);
    i += len;
  }
  return out;
}

std::size_t invalid_utf8_offset(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const int n = utf8_sequence(s, i);
    if (n <= 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

void AddedTokenMatcher::add(std::string content, std::int32_t id) {
  if (content.empty()) return;
  auto& bucket = by_first_byte_[static_cast<unsigned char>(content[0])];
  bucket.emplace_back(std::move(content), id);
  std::stable_sort(bucket.begin(), bucket.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  ++count_;
}

void AddedTokenMatcher::split(std::string_view text, std::vector<TextPiece>& out) const {
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto& bucket = by_first_byte_[static_cast<unsigned char>(text[i])];
    const std::pair<std::string, std::int32_t>* hit = nullptr;
    for (const auto& t : bucket)
      if (text.compare(i, t.first.size(), t.first) == 0) {
        hit = &t;
        break;
      }
    if (!hit) {
      ++i;
      continue;
    }
    if (i > start) out.push_back({text.substr(start, i - start), -1});
    out.push_back({text.substr(i, hit->first.size()), hit->second});
    i += hit->first.size();
    start = i;
  }
  if (start < text.size()) out.push_back({text.substr(start), -1});
}

}  // namespace detail

Tokenizer::~Tokenizer() = default;

std::string Tokenizer::decode(std::span<const std::int32_t> ids) const {
  std::string out;
  for (auto id : ids) out += token_bytes(id);
  return out;
}

std::optional<std::int32_t> Tokenizer::special_token(std::string_view content) const {
  for (const auto& t : added_)
    if (t.content == content) return t.id;
  return std::nullopt;
}

std::string Utf8StreamDecoder::push(std::int32_t id) { return push_bytes(tokenizer_->token_bytes(id)); }

std::string Utf8StreamDecoder::push(std::span<const std::int32_t> ids) {
  std::string bytes;
  for (auto id : ids) bytes += tokenizer_->token_bytes(id);
  return push_bytes(bytes);
}

std::string Utf8StreamDecoder::push_bytes(std::string_view bytes) {
  pending_.append(bytes);
  std::string out;
  std::size_t i = 0;
  while (i < pending_.size()) {
    const int n = detail::utf8_sequence(pending_, i);
    if (n == 0) break;  // a character still arriving
    if (n < 0) {
      out += "\xEF\xBF\xBD";
      i += -n;
    } else {
      out.append(pending_, i, n);
      i += n;
    }
  }
  pending_.erase(0, i);
  return out;
}

std::string Utf8StreamDecoder::finish() {
  if (pending_.empty()) return {};
  pending_.clear();
  return "\xEF\xBF\xBD";  // the held bytes are one valid prefix: one maximal subpart
}

namespace {

const std::vector<AddedToken>& byte_specials() {
  static const std::vector<AddedToken> specials = {
      {"<|endoftext|>", kByteEndOfText, true}, {"<|im_start|>", kByteImStart, true},
      {"<|im_end|>", kByteImEnd, true},        {"<think>", kByteThink, true},
      {"</think>", kByteThinkEnd, true},       {"<answer>", kByteAnswer, true},
      {"</answer>", kByteAnswerEnd, true}};
  return specials;
}

class ByteTokenizer final : public Tokenizer {
 public:
  ByteTokenizer() : Tokenizer(byte_specials()) {
    for (const auto& t : added_tokens()) matcher_.add(t.content, t.id);
  }

  std::vector<std::int32_t> encode(std::string_view text) const override {
    std::vector<detail::TextPiece> pieces;
    matcher_.split(text, pieces);
    std::vector<std::int32_t> ids;
    ids.reserve(text.size());
    for (const auto& p : pieces) {
      if (p.id >= 0) {
        ids.push_back(p.id);
        continue;
      }
      for (char c : p.text) ids.push_back(static_cast<unsigned char>(c));
    }
    return ids;
  }

  std::string token_bytes(std::int32_t id) const override {
    if (id < 0 || id >= kByteVocabSize)
      throw Error("byte tokenizer: token id " + std::to_string(id) + " is outside [0, " +
                  std::to_string(kByteVocabSize) + ")");
    if (id < 256) return std::string(1, static_cast<char>(id));
    return added_tokens()[id - 256].content;
  }

  int vocab_size() const override { return kByteVocabSize; }
  std::string kind() const override { return "byte"; }

 private:
  detail::AddedTokenMatcher matcher_;
};

}  // namespace

std::unique_ptr<Tokenizer> make_byte_tokenizer() { return std::make_unique<ByteTokenizer>(); }

bool detail::is_byte_tokenizer_layout(const std::vector<AddedToken>& added) {
  const auto& want = byte_specials();
  if (added.size() != want.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i)
    if (added[i].content != want[i].content || added[i].id != want[i].id) return false;
  return true;
}

std::string byte_tokenizer_json() {
  using nlohmann::ordered_json;
  ordered_json vocab = ordered_json::object();
  const auto& symbols = detail::byte_symbols();
  for (int b = 0; b < 256; ++b) vocab[symbols[b]] = b;
  ordered_json added = ordered_json::array();
  for (const auto& t : byte_specials())
    added.push_back({{"id", t.id}, {"content", t.content}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
  // The fields and defaults are those `tokenizers` itself writes, so it reads the file without guessing.
  const ordered_json byte_level = {
      {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
  ordered_json j = {{"version", "1.0"},
                    {"truncation", nullptr},
                    {"padding", nullptr},
                    {"added_tokens", added},
                    {"normalizer", nullptr},
                    {"pre_tokenizer", byte_level},
                    {"post_processor", byte_level},
                    {"decoder", byte_level},
                    {"model",
                     {{"type", "BPE"},
                      {"dropout", nullptr},
                      {"unk_token", nullptr},
                      {"continuing_subword_prefix", nullptr},
                      {"end_of_word_suffix", nullptr},
                      {"fuse_unk", false},
                      {"byte_fallback", false},
                      {"ignore_merges", false},
                      {"vocab", vocab},
                      {"merges", ordered_json::array()}}}};
  return j.dump(2) + "\n";
}

void write_byte_tokenizer_json(const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error("cannot write the byte tokenizer to '" + path + "'");
  f << byte_tokenizer_json();
  if (!f.flush()) throw Error("cannot write the byte tokenizer to '" + path + "'");
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& spec) {
  if (spec == "byte") return make_byte_tokenizer();
  namespace fs = std::filesystem;
  fs::path path(spec);
  std::error_code ec;
  if (fs::is_directory(path, ec)) path /= "tokenizer.json";
  if (!fs::is_regular_file(path, ec))
    throw Error("tokenizer '" + spec +
                "': no such file; expected \"byte\", a tokenizer.json or a directory holding one");
  std::ifstream f(path, std::ios::binary);
  std::stringstream text;
  text << f.rdbuf();
  if (!f) throw Error("tokenizer '" + path.string() + "': cannot read the file");
  return parse_hf_tokenizer(text.str(), path.string());
}

}  // namespace arena::lm
