#!/usr/bin/env bash
# The language-model agent end to end through the CLI:
#  - arena lm init / info / generate (seeded: same seed, same text), sharded weights;
#  - lm(mode=free) in a tournament: every raw response is stored, accepted ones in turns, refused ones in
#    rejected_responses with the parser's reason, and the run repeats exactly with the same seed;
#  - arena lm sft: the loss on teacher answers falls and the fine-tuned model plays;
#  - lm(mode=constrained) always plays legal actions, and its exact action probabilities give an exploitability
#    (at a high temperature, that of the uniform policy);
#  - misuse fails with one clear error.
set -euo pipefail
arena=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

"$arena" lm init --out m --size micro --seed 7 --context 4096 > init.log
grep -q "wrote m: d=32 L=1" init.log || fail "init: $(cat init.log)"
for f in config.json model.safetensors tokenizer.json; do [[ -f m/$f ]] || fail "init wrote no m/$f"; done
"$arena" lm info m | grep -q "tokenizer   byte, 263 tokens" || fail "info: $("$arena" lm info m)"
"$arena" lm init --out sharded --size tiny --max-shard-mb 0.1 > /dev/null
[[ -f sharded/model.safetensors.index.json && $(ls sharded/model-*.safetensors | wc -l) -gt 1 ]] ||
  fail "--max-shard-mb did not shard: $(ls sharded)"
"$arena" lm info sharded | grep -q "weights     [0-9]* file(s)" || fail "info of a sharded model"
a=$("$arena" lm generate m -p "Hello" -n 12 --seed 3 | sha256sum)
b=$("$arena" lm generate m -p "Hello" -n 12 --seed 3 | sha256sum)
c=$("$arena" lm generate m -p "Hello" -n 12 --seed 4 | sha256sum)
[[ "$a" == "$b" ]] || fail "generate is not reproducible"
[[ "$a" != "$c" ]] || fail "different seeds gave the same sample"
echo "ok: init, info, generate"

# Free mode: a random model answers nonsense, so every match ends by forfeit after the retries, and nothing is lost.
spec="lm(checkpoint=m,max_new_tokens=24)"
"$arena" tournament --games tic_tac_toe --agents "$spec,random" -n 2 --seed 11 --max-retries 1 --db free.db > free.log
[[ $(sqlite3 free.db "SELECT count(*) FROM matches WHERE outcome LIKE 'forfeit: player _ (lm(%'") == 4 ]] ||
  fail "free-mode matches: $(sqlite3 free.db 'SELECT outcome FROM matches')"
# Two answers (first try and one retry) per forfeited match, each with its raw response and the parser's reason.
[[ $(sqlite3 free.db "SELECT count(*) FROM rejected_responses WHERE raw_response LIKE '<think>%'") == 8 ]] ||
  fail "refused responses: $(sqlite3 free.db 'SELECT attempt, error FROM rejected_responses')"
sqlite3 free.db "SELECT error FROM rejected_responses" | grep -q "answer" || fail "the parser's reason is not stored"
"$arena" tournament --games tic_tac_toe --agents "$spec,random" -n 2 --seed 11 --max-retries 1 --db free2.db > /dev/null
[[ $(sqlite3 free.db "SELECT group_concat(hex(raw_response), '|') FROM rejected_responses") == \
   $(sqlite3 free2.db "SELECT group_concat(hex(raw_response), '|') FROM rejected_responses") ]] ||
  fail "the same seed gave different responses"
"$arena" export --db free.db --run 1 | grep -q '"rejected":\[{' || fail "export lacks the refused responses"
echo "ok: free mode stores every response and repeats with its seed"

# Constrained mode: legal by construction, logged with log-probs and the stored continuation text.
cspec="lm(checkpoint=m,mode=constrained,temperature=1)"
"$arena" tournament --games kuhn_poker,tic_tac_toe --agents "$cspec,random" -n 3 --db cons.db > /dev/null
[[ $(sqlite3 cons.db "SELECT count(*) FROM matches WHERE outcome = 'normal'") == 12 ]] ||
  fail "constrained matches: $(sqlite3 cons.db 'SELECT outcome FROM matches')"
[[ $(sqlite3 cons.db "SELECT count(*) FROM turns t JOIN seats s ON s.match_id = t.match_id AND s.seat = t.player
                      JOIN agents a ON a.id = s.agent_id
                      WHERE a.spec LIKE 'lm(%' AND (t.logprob IS NULL OR t.raw_response NOT LIKE '%<answer>%')") == 0 ]] ||
  fail "constrained turns lack log-probs or responses"
uniform=$("$arena" exploitability kuhn_poker --agent random | awk '/^exploitability/ {print $2}')
hot=$("$arena" exploitability kuhn_poker --agent "lm(checkpoint=m,mode=constrained,temperature=100)" |
      awk '/^exploitability/ {print $2}')
python3 -c "import sys; u, h = float('$uniform'), float('$hot'); sys.exit(0 if abs(u - h) < 0.02 else 1)" ||
  fail "exploitability at T=100 ($hot) should be near the uniform policy's ($uniform)"
"$arena" eval --agent "$cspec" --games kuhn_poker --opponents random -n 5 --no-store > eval.log ||
  fail "eval: $(cat eval.log)"
echo "ok: constrained mode plays legally and has exact probabilities (exploitability $hot, uniform $uniform)"

# Fine-tuning on teacher transcripts: the loss on the teachers' answers falls, and the result plays.
"$arena" lm init --out base --size micro --seed 2 --context 8192 > /dev/null
"$arena" lm sft -m base -o tuned --games tic_tac_toe,kuhn_poker --teachers minimax,cfr --matches 8 --steps 30 \
  --batch 4 --lr 3e-3 --log-every 0 > sft.log
read -r first last < <(sed -n 's/.*loss \([0-9.]*\) -> \([0-9.]*\)$/\1 \2/p' sft.log)
python3 -c "import sys; sys.exit(0 if $last < 0.6 * $first else 1)" || fail "sft loss did not fall: $(cat sft.log)"
grep -q "32 sequences" sft.log || fail "expected one sequence per seat of 16 matches: $(cat sft.log)"
for f in config.json model.safetensors tokenizer.json; do [[ -f tuned/$f ]] || fail "sft wrote no tuned/$f"; done
"$arena" tournament --games kuhn_poker --agents "lm(checkpoint=tuned,mode=constrained),random" -n 2 --no-store > /dev/null ||
  fail "the fine-tuned model does not play"
echo "ok: sft (loss $first -> $last)"

# Misuse.
expect_error() {
  local what=$1 pattern=$2
  shift 2
  if "$@" > out.log 2> err.log; then fail "$what should fail"; fi
  grep -q "$pattern" err.log || fail "$what: unexpected message: $(cat err.log)"
}
expect_error "lm without a checkpoint" "needs checkpoint=DIR" "$arena" tournament --games tic_tac_toe --agents "lm,random" --no-store
expect_error "a missing model" "does not exist" "$arena" tournament --games tic_tac_toe --agents "lm(checkpoint=nope),random" --no-store
expect_error "init into a used directory" "not an empty directory" "$arena" lm init --out m
expect_error "an unknown size" "unknown model size" "$arena" lm init --out x --size huge
echo '{"model_type": "llama"}' > bad.json
expect_error "a config of another family" "not supported" "$arena" lm init --out y --size bad.json
mkdir broken && cp m/config.json m/tokenizer.json broken/
expect_error "sft with a teacher missing" "one teacher per game" "$arena" lm sft -m base -o t2 --games tic_tac_toe,kuhn_poker --teachers minimax
expect_error "sft into a used directory" "not an empty directory" "$arena" lm sft -m base -o tuned --games kuhn_poker --teachers cfr
expect_error "generate from a model without weights" "neither model.safetensors" "$arena" lm generate broken -p hi
echo "ok: errors"
