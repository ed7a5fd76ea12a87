#!/usr/bin/env bash
# arena train with policy.kind lm, end to end on the CPU (tools/experiments/lm/smoke.json, a 1-layer model on Kuhn):
#  - the supervised warm start's loss falls and the share of legal answers rises from the untrained model's;
#  - every rollout decision is stored with its raw response; checkpoints are HF model directories (sharded on
#    request) that the lm agent and arena eval read, also through the run directory;
#  - --until + --resume gives the same weights byte for byte as one uninterrupted run, 2 threads instead of 1 the same
#    rollouts and the same loss to rounding;
#  - splitting a minibatch into micro-batches, or scoring a conversation's turns in one row, does not change the loss;
#  - misconfiguration fails with one clear error.
set -euo pipefail
arena=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
col() {  # col FILE STEP COLUMN: a metrics.csv value
  python3 - "$@" << 'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["step"] == sys.argv[2]]
print(rows[-1][sys.argv[3]] if rows else "")
PY
}

"$arena" train "$src/tools/experiments/lm/smoke.json" --out run --db a.db > train.log 2>&1 || fail "smoke run: $(tail -5 train.log)"
first=$(col run/metrics.csv 0 sft/first_loss)
last=$(col run/metrics.csv 0 sft/last_loss)
before=$(col run/metrics.csv 0 init/valid_rate)
after=$(col run/metrics.csv 3 valid_rate)
python3 -c "import sys; sys.exit(0 if float('$last') < 0.5 * float('$first') else 1)" ||
  fail "the warm start's loss did not fall: $first -> $last"
python3 -c "import sys; sys.exit(0 if float('$after') > float('$before') + 0.5 else 1)" ||
  fail "legal answers did not rise: $before before the warm start, $after at the last step"
echo "ok: warm start loss $first -> $last, legal answers $before -> $after"

stored=$(sqlite3 a.db "select count(*) from turns t join matches m on m.id = t.match_id where m.run_id = 1 and t.player >= 0 and t.raw_response like '<think>%'")
[[ $stored -gt 0 ]] || fail "no raw responses stored"
for f in config.json model.safetensors tokenizer.json; do
  [[ -f run/checkpoints/step-00000003/model/$f ]] || fail "checkpoint lacks model/$f"
done
[[ -f run/checkpoints/step-00000003/optimizer.safetensors && -f run/sft/sft.json ]] || fail "checkpoint files: $(ls -R run | head -30)"
"$arena" eval --agent "lm(checkpoint=run,max_new_tokens=24)" --games kuhn_poker --opponents random -n 2 --no-store --max-retries 0 \
  --json e.json > eval.log || fail "eval of the run directory: $(cat eval.log)"
python3 -c "import json; r = json.load(open('e.json')); assert len(r) == 2 and all(0 <= x['normalized'] <= 1 for x in r)" ||
  fail "eval --json: $(cat e.json)"
echo "ok: $stored stored responses, checkpoint, eval of the run"

# Resume and micro-batches, from the fine-tuned model without a warm start.
python3 - "$src/tools/experiments/lm/smoke.json" << 'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["steps"] = 2
c["policy"] = {"kind": "lm", "checkpoint": "run/sft", "max_new_tokens": 24, "shard_mb": 0.02}
c["checkpoint_every"] = 1
json.dump(c, open("b.json", "w"))
c["policy"]["micro_batch_tokens"] = 64
json.dump(c, open("micro.json", "w"))
del c["policy"]["micro_batch_tokens"]
c["policy"]["pack"] = False
json.dump(c, open("unpacked.json", "w"))
del c["policy"]["pack"]
c["threads"] = 2
json.dump(c, open("threads.json", "w"))
PY
"$arena" train b.json --out b1 --db b.db --quiet > /dev/null
"$arena" train b.json --out b2 --db b.db --quiet --until-step 1 > /dev/null
"$arena" train --resume --out b2 --db b.db --quiet > /dev/null
[[ -f b1/checkpoints/step-00000002/model/model.safetensors.index.json ]] || fail "shard_mb did not shard the weights"
for f in b1/checkpoints/step-00000002/model/model-*.safetensors; do
  cmp -s "$f" "b2/checkpoints/step-00000002/model/$(basename "$f")" || fail "resumed weights differ: $f"
done
[[ "$(col b1/metrics.csv 2 loss)" == "$(col b2/metrics.csv 2 loss)" ]] || fail "resumed loss differs"
"$arena" train micro.json --out b3 --db b.db --quiet --until-step 1 > /dev/null
python3 -c "import sys; a, b = float('$(col b1/metrics.csv 1 loss)'), float('$(col b3/metrics.csv 1 loss)'); sys.exit(0 if abs(a - b) < 1e-4 else 1)" ||
  fail "micro-batches changed the loss: $(col b1/metrics.csv 1 loss) vs $(col b3/metrics.csv 1 loss)"
"$arena" train unpacked.json --out b4 --db b.db --quiet --until-step 1 > /dev/null
python3 -c "import sys; a, b = float('$(col b1/metrics.csv 1 loss)'), float('$(col b4/metrics.csv 1 loss)'); sys.exit(0 if abs(a - b) < 1e-4 else 1)" ||
  fail "packing turns changed the loss: $(col b1/metrics.csv 1 loss) vs $(col b4/metrics.csv 1 loss)"
# 2 LibTorch threads: the same rollouts and the same loss to rounding (MKL may split a matrix product's sums by thread
# count on some CPUs, so the weights are bitwise equal on CI's CPU but not on every machine).
"$arena" train threads.json --out b5 --db b.db --quiet --until-step 1 > /dev/null
for c in decisions response_tokens; do
  a=$(col b1/metrics.csv 1 $c)
  [[ -n $a && "$a" == "$(col b5/metrics.csv 1 $c)" ]] || fail "2 threads changed the rollouts ($c)"
done
python3 -c "import sys; a, b = float('$(col b1/metrics.csv 1 loss)'), float('$(col b5/metrics.csv 1 loss)'); sys.exit(0 if abs(a - b) <= 1e-5 * max(1, abs(a)) else 1)" ||
  fail "2 threads changed the loss: $(col b1/metrics.csv 1 loss) vs $(col b5/metrics.csv 1 loss)"
echo "ok: resume is exact, 2 threads agree (rollouts; loss to rounding), micro-batches and packed rows agree (turns per row $(col b1/metrics.csv 1 turns_per_row))"

expect_error() {  # expect_error PATTERN JSON
  echo "$2" > bad.json
  if "$arena" train bad.json --out bad --db bad.db > bad.log 2>&1; then fail "accepted: $2"; fi
  grep -q "$1" bad.log || fail "expected '$1' for $2, got: $(cat bad.log)"
}
g='"games": ["kuhn_poker"]'
expect_error "policy.mode" "{$g, \"policy\": {\"kind\": \"lm\", \"mode\": \"constrained\"}}"
expect_error "kl_estimator must be k3" "{$g, \"policy\": {\"kind\": \"lm\"}, \"ppo\": {\"kl_estimator\": \"full\"}}"
expect_error "eval.exploitability" "{$g, \"policy\": {\"kind\": \"lm\"}, \"eval\": {\"exploitability\": true}}"
expect_error "one agent spec per SFT game" "{$g, \"policy\": {\"kind\": \"lm\", \"sft\": {\"steps\": 5}}}"
expect_error "format_bonus" "{$g, \"format_bonus\": 0.05}"
expect_error "policy.hidden" "{$g, \"policy\": {\"kind\": \"lm\", \"hidden\": [8]}}"
expect_error "no init block" "{$g, \"policy\": {\"kind\": \"lm\", \"checkpoint\": \"run/sft\", \"init\": {\"size\": \"micro\"}}}"
echo "ok: errors"
