// Hugging Face tokenizer.json, byte-level BPE (GPT-2, Qwen2, Qwen3), encoded the way PyPI `tokenizers` does:
//   1. added tokens whose `normalized` is false are cut out of the raw text (leftmost, longest first);
//   2. each run between them is normalized (NFC or nothing), then added tokens with `normalized` true are cut out;
//   3. each remaining run is pre-tokenized: Split steps (the regex run verbatim by PCRE2 with UTF and Unicode
//      properties, matches and gaps both kept, HF's "Isolated"), then ByteLevel (optional prefix space on each piece,
//      optional GPT-2 regex);
//   4. each piece's bytes become GPT-2 byte symbols and are merged by BPE: repeatedly the adjacent pair with the
//      lowest merge rank, the leftmost of equal ranks, until no pair has a merge.
// Decoding maps each token's symbols back to bytes.
#include <algorithm>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <queue>
#include <shared_mutex>
#include <unordered_map>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>

#include <nlohmann/json.hpp>

#include "agents/lm/text/byte_level.h"
#include "agents/lm/text/tokenizer.h"
#include "games/api/params.h"

namespace arena::lm {
namespace {

using nlohmann::json;

// GPT-2's pre-tokenizer regex, which HF's ByteLevel(use_regex=true) applies.
constexpr const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Words longer than this are not cached (HF uses the same bound), so one huge run cannot evict everything.
constexpr std::size_t kMaxCachedWord = 256;
constexpr std::size_t kCacheCapacity = 10000;

class Regex {
 public:
  Regex(const std::string& pattern, bool literal, const std::string& where) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    const std::uint32_t options = PCRE2_UTF | PCRE2_UCP | (literal ? PCRE2_LITERAL : 0);
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &error, &offset,
                          nullptr);
    if (!code_) throw Error(where + ": the regex does not compile at offset " + std::to_string(offset) + ": " +
                            message(error));
    // JIT is an optimisation only; without it (no JIT support in the build) matching still works.
    pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE);
  }
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  ~Regex() { pcre2_code_free(code_); }

  // Appends every match and every gap between matches (HF's Isolated behaviour); empty matches make no piece.
  // The subject is valid UTF-8 (checked once by encode), so PCRE2 does not re-check it on each call, which would
  // make splitting quadratic.
  void split_isolated(std::string_view text, std::vector<std::string>& out) const {
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_, nullptr);
    if (!md) throw std::bad_alloc();
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t offset = 0, last = 0;
    while (offset <= text.size()) {
      int rc = pcre2_match(code_, subject, text.size(), offset, PCRE2_NO_UTF_CHECK, md, nullptr);
      if (rc == PCRE2_ERROR_JIT_STACKLIMIT)  // very long runs: the interpreter keeps its stack on the heap
        rc = pcre2_match(code_, subject, text.size(), offset, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, nullptr);
      if (rc == PCRE2_ERROR_NOMATCH) break;
      if (rc < 0) {
        pcre2_match_data_free(md);
        throw Error("tokenizer: pre-tokenizer regex failed: " + message(rc));
      }
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      const std::size_t s = ov[0], e = ov[1];
      if (e == s) {  // step over one character
        offset = s + 1;
        while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) ++offset;
        continue;
      }
      if (s > last) out.emplace_back(text.substr(last, s - last));
      out.emplace_back(text.substr(s, e - s));
      last = offset = e;
    }
    pcre2_match_data_free(md);
    if (last < text.size()) out.emplace_back(text.substr(last));
  }

 private:
  static std::string message(int code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    return reinterpret_cast<const char*>(buf);
  }
  pcre2_code* code_ = nullptr;
};

std::string nfc(std::string_view s) {
  if (std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    return std::string(s);
  utf8proc_uint8_t* out = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                              static_cast<utf8proc_ssize_t>(s.size()), &out,
                              static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) throw Error(std::string("tokenizer: NFC normalization failed: ") + utf8proc_errmsg(n));
  std::string r(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
  std::free(out);
  return r;
}

// One pre-tokenizer step: a Split (its regex) or the final ByteLevel (an optional prefix space, then the GPT-2
// regex or none).
struct PreTokenizerStep {
  std::unique_ptr<Regex> regex;
  bool add_prefix_space = false;
  bool byte_level = false;
};

class BpeTokenizer final : public Tokenizer {
 public:
  explicit BpeTokenizer(std::vector<AddedToken> added) : Tokenizer(std::move(added)) {}

  std::vector<std::int32_t> encode(std::string_view text) const override {
    if (const auto bad = detail::invalid_utf8_offset(text); bad != std::string_view::npos)
      throw Error("tokenizer: the text to encode is not valid UTF-8 (byte " + std::to_string(bad) + ")");
    std::vector<std::int32_t> ids;
    std::vector<detail::TextPiece> raw, normalized;
    std::vector<std::string> words, next;
    raw_matcher_.split(text, raw);
    for (const auto& r : raw) {
      if (r.id >= 0) {
        ids.push_back(r.id);
        continue;
      }
      const std::string norm = nfc_ ? nfc(r.text) : std::string(r.text);
      normalized.clear();
      normalized_matcher_.split(norm, normalized);
      for (const auto& n : normalized) {
        if (n.id >= 0) {
          ids.push_back(n.id);
          continue;
        }
        words.assign(1, std::string(n.text));
        for (const auto& step : steps_) {
          next.clear();
          for (auto& w : words) {
            if (step.add_prefix_space && w[0] != ' ') w.insert(0, 1, ' ');
            if (step.regex)
              step.regex->split_isolated(w, next);
            else
              next.push_back(std::move(w));
          }
          words.swap(next);
        }
        for (const auto& w : words) encode_word(w, ids);
      }
    }
    return ids;
  }

  std::string token_bytes(std::int32_t id) const override {
    if (id < 0 || id >= vocab_size())
      throw Error("tokenizer: token id " + std::to_string(id) + " is outside [0, " + std::to_string(vocab_size()) +
                  ")");
    return id_bytes_[id];
  }
  int vocab_size() const override { return static_cast<int>(id_bytes_.size()); }
  std::string kind() const override { return "bpe"; }

  // Filled by parse_hf_tokenizer.
  std::vector<std::string> id_bytes_;
  std::unordered_map<std::string, std::int32_t> vocab_;  // byte-symbol text → id (kept for ignore_merges)
  std::unordered_map<std::uint64_t, std::pair<std::int32_t, std::int32_t>> merges_;  // (left, right) → (rank, id)
  std::array<std::int32_t, 256> byte_ids_{};  // the id of each byte's symbol, -1 when the vocabulary lacks it
  std::int32_t unk_id_ = -1;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;
  bool nfc_ = false;
  std::vector<PreTokenizerStep> steps_;
  detail::AddedTokenMatcher raw_matcher_, normalized_matcher_;

 private:
  static std::uint64_t pair_key(std::int32_t a, std::int32_t b) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
  }

  void encode_word(const std::string& word, std::vector<std::int32_t>& ids) const {
    {
      std::shared_lock lock(cache_mutex_);
      if (auto it = cache_.find(word); it != cache_.end()) {
        ids.insert(ids.end(), it->second.begin(), it->second.end());
        return;
      }
    }
    std::vector<std::int32_t> out = merge_word(word);
    ids.insert(ids.end(), out.begin(), out.end());
    if (word.size() < kMaxCachedWord) {
      std::unique_lock lock(cache_mutex_);
      if (cache_.size() < kCacheCapacity) cache_.emplace(word, std::move(out));
    }
  }

  // The merge loop of HF's Word::merge_all: a heap of (rank, position) over live adjacent pairs; an entry whose
  // pair has changed since it was pushed is skipped. O(n log n) in the word's length.
  std::vector<std::int32_t> merge_word(const std::string& word) const {
    const auto& symbols = detail::byte_symbols();
    if (ignore_merges_) {
      std::string text;
      for (char c : word) text += symbols[static_cast<unsigned char>(c)];
      if (auto it = vocab_.find(text); it != vocab_.end()) return {it->second};
    }
    std::vector<std::int32_t> sym;
    sym.reserve(word.size());
    for (char c : word) {
      const std::int32_t id = byte_ids_[static_cast<unsigned char>(c)];
      if (id >= 0)
        sym.push_back(id);
      else if (unk_id_ >= 0 && !(fuse_unk_ && !sym.empty() && sym.back() == unk_id_))
        sym.push_back(unk_id_);  // without an unk token HF drops the byte
    }
    const int n = static_cast<int>(sym.size());
    std::vector<int> prev(n), next(n);
    std::vector<char> alive(n, 1);
    for (int i = 0; i < n; ++i) prev[i] = i - 1, next[i] = i + 1 < n ? i + 1 : -1;
    struct Candidate {
      std::int32_t rank, pos, id;
      bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
    auto push = [&](int pos) {
      if (pos < 0 || next[pos] < 0) return;
      if (auto it = merges_.find(pair_key(sym[pos], sym[next[pos]])); it != merges_.end())
        heap.push({it->second.first, pos, it->second.second});
    };
    for (int i = 0; i + 1 < n; ++i) push(i);
    while (!heap.empty()) {
      const Candidate c = heap.top();
      heap.pop();
      if (!alive[c.pos] || next[c.pos] < 0) continue;
      const int right = next[c.pos];
      auto it = merges_.find(pair_key(sym[c.pos], sym[right]));
      if (it == merges_.end() || it->second.second != c.id) continue;
      sym[c.pos] = c.id;
      alive[right] = 0;
      next[c.pos] = next[right];
      if (next[right] >= 0) prev[next[right]] = c.pos;
      push(prev[c.pos]);
      push(c.pos);
    }
    std::vector<std::int32_t> out;
    for (int i = n > 0 ? 0 : -1; i >= 0; i = next[i]) out.push_back(sym[i]);
    return out;
  }

  mutable std::shared_mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<std::int32_t>> cache_;
};

// Field access with errors that name the file and the JSON path.
class Fields {
 public:
  explicit Fields(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw Error(source_ + ": " + path + ": " + what);
  }
  std::string type_of(const json& node, const std::string& path) const {
    if (!node.is_object()) fail(path, "expected an object");
    auto it = node.find("type");
    if (it == node.end() || !it->is_string()) fail(path + ".type", "missing");
    return it->get<std::string>();
  }
  bool flag(const json& node, const std::string& path, const char* key, bool fallback) const {
    auto it = node.find(key);
    if (it == node.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) fail(path + "." + key, "expected true or false");
    return it->get<bool>();
  }
  std::string text(const json& node, const std::string& path, const char* key) const {
    auto it = node.find(key);
    if (it == node.end() || !it->is_string()) fail(path + "." + key, "expected a string");
    return it->get<std::string>();
  }

 private:
  std::string source_;
};

void parse_normalizer(const json& node, const std::string& path, const Fields& f, BpeTokenizer& t) {
  if (node.is_null()) return;
  const std::string type = f.type_of(node, path);
  if (type == "NFC") {
    t.nfc_ = true;
  } else if (type == "Sequence" && node.contains("normalizers") && node["normalizers"].is_array()) {
    for (std::size_t i = 0; i < node["normalizers"].size(); ++i)
      parse_normalizer(node["normalizers"][i], path + ".normalizers[" + std::to_string(i) + "]", f, t);
  } else {
    f.fail(path + ".type", "'" + type + "' is not supported (expected NFC or null)");
  }
}

void parse_pre_tokenizer(const json& node, const std::string& path, const Fields& f, BpeTokenizer& t) {
  const std::string type = f.type_of(node, path);
  // ByteLevel must come last: a Split after it would see byte symbols instead of text.
  if (!t.steps_.empty() && t.steps_.back().byte_level)
    f.fail(path, "comes after the ByteLevel step, which must be the last pre-tokenizer");
  if (type == "Sequence") {
    auto it = node.find("pretokenizers");
    if (it == node.end() || !it->is_array()) f.fail(path + ".pretokenizers", "expected an array");
    for (std::size_t i = 0; i < it->size(); ++i)
      parse_pre_tokenizer((*it)[i], path + ".pretokenizers[" + std::to_string(i) + "]", f, t);
  } else if (type == "Split") {
    const auto& pattern = node.value("pattern", json());
    const bool literal = pattern.is_object() && pattern.contains("String");
    if (!pattern.is_object() || !(pattern.contains("Regex") || literal) || !pattern.begin()->is_string())
      f.fail(path + ".pattern", "expected {\"Regex\": ...} or {\"String\": ...}");
    const std::string behavior = f.text(node, path, "behavior");
    if (behavior != "Isolated") f.fail(path + ".behavior", "'" + behavior + "' is not supported (expected Isolated)");
    if (f.flag(node, path, "invert", false)) f.fail(path + ".invert", "true is not supported");
    PreTokenizerStep step;
    step.regex = std::make_unique<Regex>(pattern.begin()->get<std::string>(), literal, path + ".pattern");
    t.steps_.push_back(std::move(step));
  } else if (type == "ByteLevel") {
    PreTokenizerStep step;
    step.byte_level = true;
    step.add_prefix_space = f.flag(node, path, "add_prefix_space", true);  // HF's defaults
    if (f.flag(node, path, "use_regex", true)) step.regex = std::make_unique<Regex>(kGpt2Pattern, false, path);
    t.steps_.push_back(std::move(step));
  } else {
    f.fail(path + ".type", "'" + type + "' is not supported (expected ByteLevel, Split or a Sequence of them)");
  }
}

// Only processors and decoders that change no ids and decode through the byte map are accepted.
void check_byte_level_only(const json& node, const std::string& path, const char* list_key, const Fields& f) {
  if (node.is_null()) return;
  const std::string type = f.type_of(node, path);
  if (type == "ByteLevel") return;
  if (type == "Sequence" && node.contains(list_key) && node[list_key].is_array()) {
    for (std::size_t i = 0; i < node[list_key].size(); ++i)
      check_byte_level_only(node[list_key][i], path + "." + list_key + "[" + std::to_string(i) + "]", list_key, f);
    return;
  }
  f.fail(path + ".type", "'" + type + "' is not supported (expected ByteLevel or null)");
}

std::int32_t token_id(const json& v, const std::string& path, const Fields& f) {
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0 ||
      v.get<std::int64_t>() >= std::numeric_limits<std::int32_t>::max())
    f.fail(path, "expected a token id (a non-negative integer)");
  return static_cast<std::int32_t>(v.get<std::int64_t>());
}

void parse_model(const json& model, const Fields& f, BpeTokenizer& t) {
  const std::string type = f.type_of(model, "model");
  if (type != "BPE") f.fail("model.type", "'" + type + "' is not supported (expected BPE)");
  if (f.flag(model, "model", "byte_fallback", false)) f.fail("model.byte_fallback", "true is not supported");
  if (auto it = model.find("dropout"); it != model.end() && !it->is_null() && !(it->is_number() && *it == 0))
    f.fail("model.dropout", "BPE dropout is not supported (expected null)");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (auto it = model.find(key); it != model.end() && !it->is_null() && *it != "")
      f.fail(std::string("model.") + key, "is not supported (expected null)");
  t.ignore_merges_ = f.flag(model, "model", "ignore_merges", false);
  t.fuse_unk_ = f.flag(model, "model", "fuse_unk", false);

  auto vocab_it = model.find("vocab");
  if (vocab_it == model.end() || !vocab_it->is_object()) f.fail("model.vocab", "expected an object");
  t.vocab_.reserve(vocab_it->size());
  std::int32_t max_id = -1;
  for (const auto& [symbols, id] : vocab_it->items()) {
    const std::int32_t v = token_id(id, "model.vocab[\"" + symbols + "\"]", f);
    t.vocab_.emplace(symbols, v);
    max_id = std::max(max_id, v);
  }
  t.id_bytes_.assign(static_cast<std::size_t>(max_id) + 1, std::string());
  for (const auto& [symbols, id] : t.vocab_) t.id_bytes_[id] = detail::symbols_to_bytes(symbols);
  for (int b = 0; b < 256; ++b) {
    auto it = t.vocab_.find(detail::byte_symbols()[b]);
    t.byte_ids_[b] = it == t.vocab_.end() ? -1 : it->second;
  }
  if (auto it = model.find("unk_token"); it != model.end() && !it->is_null()) {
    auto unk = t.vocab_.find(it->is_string() ? it->get<std::string>() : std::string());
    if (unk == t.vocab_.end()) f.fail("model.unk_token", "is not in the vocabulary");
    t.unk_id_ = unk->second;
  }

  auto merges_it = model.find("merges");
  if (merges_it == model.end() || !merges_it->is_array()) f.fail("model.merges", "expected an array");
  t.merges_.reserve(merges_it->size());
  auto lookup = [&](const std::string& s, const std::string& path) {
    auto it = t.vocab_.find(s);
    if (it == t.vocab_.end()) f.fail(path, "'" + s + "' is not in the vocabulary");
    return it->second;
  };
  for (std::size_t rank = 0; rank < merges_it->size(); ++rank) {
    const json& m = (*merges_it)[rank];
    const std::string path = "model.merges[" + std::to_string(rank) + "]";
    std::string a, b;
    if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {  // ["a", "b"] (current files)
      a = m[0].get<std::string>(), b = m[1].get<std::string>();
    } else if (m.is_string()) {  // "a b" (older files); byte-level symbols never contain a space
      const auto& s = m.get_ref<const std::string&>();
      const auto space = s.find(' ');
      if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
        f.fail(path, "expected two symbols separated by one space");
      a = s.substr(0, space), b = s.substr(space + 1);
    } else {
      f.fail(path, "expected [\"a\", \"b\"] or \"a b\"");
    }
    const std::int32_t left = lookup(a, path), right = lookup(b, path), merged = lookup(a + b, path);
    // A repeated pair keeps its first (lowest) rank, as HF's map construction does.
    t.merges_.emplace((static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
                          static_cast<std::uint32_t>(right),
                      std::make_pair(static_cast<std::int32_t>(rank), merged));
  }
}

// The file write_byte_tokenizer_json() writes (or one equivalent to it): the byte tokenizer does the same faster,
// and reports itself as "byte". Without merges, normalization and prefix spaces, splitting cannot change the ids.
bool is_byte_tokenizer(const BpeTokenizer& t) {
  if (!t.merges_.empty() || t.nfc_ || t.vocab_.size() != 256 || t.unk_id_ >= 0) return false;
  for (const auto& step : t.steps_)
    if (step.add_prefix_space) return false;
  for (int b = 0; b < 256; ++b)
    if (t.byte_ids_[b] != b) return false;
  return detail::is_byte_tokenizer_layout(t.added_tokens());
}

}  // namespace

std::unique_ptr<Tokenizer> parse_hf_tokenizer(std::string_view json_text, const std::string& source) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw Error(source + ": not valid JSON: " + e.what());
  }
  const Fields f(source);
  if (!root.is_object()) f.fail("(top level)", "expected a tokenizer.json object");
  if (auto it = root.find("truncation"); it != root.end() && !it->is_null())
    f.fail("truncation", "is set; encode() does not truncate (expected null)");

  std::vector<AddedToken> added;
  std::vector<bool> added_normalized;
  if (auto it = root.find("added_tokens"); it != root.end() && !it->is_null()) {
    if (!it->is_array()) f.fail("added_tokens", "expected an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& a = (*it)[i];
      const std::string path = "added_tokens[" + std::to_string(i) + "]";
      if (!a.is_object()) f.fail(path, "expected an object");
      for (const char* key : {"single_word", "lstrip", "rstrip"})
        if (f.flag(a, path, key, false)) f.fail(path + "." + key, "true is not supported");
      const std::string content = f.text(a, path, "content");
      if (content.empty()) f.fail(path + ".content", "is empty");
      added.push_back({content, token_id(a.value("id", json()), path + ".id", f), f.flag(a, path, "special", false)});
      added_normalized.push_back(f.flag(a, path, "normalized", true));  // HF's default
    }
  }

  auto t = std::make_unique<BpeTokenizer>(added);
  auto model = root.find("model");
  if (model == root.end()) f.fail("model", "missing");
  parse_model(*model, f, *t);
  parse_normalizer(root.value("normalizer", json()), "normalizer", f, *t);
  const json pre = root.value("pre_tokenizer", json());
  if (pre.is_null()) f.fail("pre_tokenizer", "is null; a byte-level BPE needs a ByteLevel pre-tokenizer");
  parse_pre_tokenizer(pre, "pre_tokenizer", f, *t);
  if (t->steps_.empty() || !t->steps_.back().byte_level)
    f.fail("pre_tokenizer", "has no ByteLevel step; only byte-level BPE is supported");
  check_byte_level_only(root.value("post_processor", json()), "post_processor", "processors", f);
  check_byte_level_only(root.value("decoder", json()), "decoder", "decoders", f);

  for (std::size_t i = 0; i < added.size(); ++i) {
    if (added[i].id >= static_cast<std::int32_t>(t->id_bytes_.size())) t->id_bytes_.resize(added[i].id + 1);
    // HF decodes added tokens through the ByteLevel decoder too: "<|im_end|>" is all map characters standing for
    // themselves, a token with a space stays as it is.
    t->id_bytes_[added[i].id] = detail::symbols_to_bytes(added[i].content);
    if (added_normalized[i] && t->nfc_)
      t->normalized_matcher_.add(nfc(added[i].content), added[i].id);
    else if (added_normalized[i])
      t->normalized_matcher_.add(added[i].content, added[i].id);
    else
      t->raw_matcher_.add(added[i].content, added[i].id);
  }
  if (is_byte_tokenizer(*t)) return make_byte_tokenizer();
  return t;
}

}  // namespace arena::lm
