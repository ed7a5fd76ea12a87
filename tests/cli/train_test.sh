#!/usr/bin/env bash
# arena train / plot / eval with a checkpoint, end to end:
#  - a short Kuhn run stores every rollout turn (runs.kind = train), metrics in SQLite and CSV, checkpoints;
#  - a run stopped with --until-step (or killed) and continued with --resume gives exactly the metrics and stored
#    turns of an uninterrupted run with the same seed;
#  - bad configurations and misuse fail with one clear error and write nothing;
#  - arena plot writes a PNG; arena eval and exploitability accept policy(checkpoint=DIR).
set -euo pipefail
arena=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

cat > kuhn.json <<'JSON'
{"seed": 5, "steps": 6, "games": ["kuhn_poker", {"game": "tic_tac_toe", "weight": 0.5, "draw_bonus": 0.1}],
 "episodes_per_seat": 32, "policy": {"hidden": [16]}, "ppo": {"minibatches": 2},
 "eval": {"every": 3, "opponents": ["random"], "episodes": 20}, "checkpoint_every": 2}
JSON

"$arena" train kuhn.json --db full.db --out runs/full --quiet > full.log
grep -q "finished at step 6" full.log || fail "the run did not finish: $(cat full.log)"
[[ $(sqlite3 full.db "SELECT kind, status FROM runs") == "train|done" ]] || fail "runs row"
[[ $(sqlite3 full.db "SELECT count(*) FROM matches WHERE status='done'") == $((6 * (32 + 16))) ]] ||
  fail "expected $((6 * 48)) stored matches, got $(sqlite3 full.db "SELECT count(*) FROM matches")"
[[ $(sqlite3 full.db "SELECT count(*) FROM turns WHERE player >= 0 AND logprob IS NOT NULL") -gt 500 ]] ||
  fail "rollout turns with log-probs are not stored"
[[ $(wc -l < runs/full/metrics.csv) == 8 ]] || fail "metrics.csv should hold a header and steps 0..6"
[[ $(sqlite3 full.db "SELECT count(DISTINCT step) FROM metrics") == 7 ]] || fail "metrics table"
for f in latest.json config.json checkpoints/step-00000006/model.safetensors checkpoints/step-00000006/trainer.safetensors \
         checkpoints/step-00000006/state.json checkpoints/step-00000000/model.safetensors; do
  [[ -f runs/full/$f ]] || fail "missing runs/full/$f"
done
echo "ok: run, rollouts, metrics and checkpoints stored"

# Stop after step 2, resume to the end; then kill a run mid-way and resume it.
"$arena" train kuhn.json --db part.db --out runs/part --until-step 2 --quiet > /dev/null
grep -q '"step": 2' runs/part/latest.json || fail "--until-step 2 did not checkpoint step 2"
[[ $(sqlite3 part.db "SELECT status FROM runs") == running ]] || fail "a stopped run must stay running"
"$arena" train --resume --db part.db --out runs/part --quiet > /dev/null
deterministic() {  # every metrics.csv column but wall-clock ones
  python3 - "$1" <<'PY'
import csv, sys
for row in csv.DictReader(open(sys.argv[1])):
    print({k: v for k, v in row.items() if k not in ("games_per_s", "seconds", "ppo_samples_per_s")})
PY
}
turns() { sqlite3 "$1" "SELECT m.idx, t.ply, t.player, t.action, t.rewards, t.logprob FROM turns t JOIN matches m ON m.id = t.match_id ORDER BY m.idx, t.ply"; }
diff <(deterministic runs/full/metrics.csv) <(deterministic runs/part/metrics.csv) > /dev/null ||
  fail "resumed metrics differ from the uninterrupted run"
diff <(turns full.db) <(turns part.db) > /dev/null || fail "resumed rollouts differ from the uninterrupted run"
echo "ok: --until-step then --resume equals the uninterrupted run"

"$arena" train kuhn.json --db killed.db --out runs/killed --quiet > /dev/null &
pid=$!
for _ in $(seq 1 200); do
  grep -qs '"step": [1-9]' runs/killed/latest.json && break
  sleep 0.05
done
kill -9 "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true
"$arena" train kuhn.json --resume --db killed.db --out runs/killed --quiet > /dev/null
diff <(deterministic runs/full/metrics.csv) <(deterministic runs/killed/metrics.csv) > /dev/null ||
  fail "a killed and resumed run differs from the uninterrupted run"
diff <(turns full.db) <(turns killed.db) > /dev/null || fail "killed+resumed rollouts differ"
echo "ok: kill -9 then --resume equals the uninterrupted run"

# Same seed, same run, whatever the number of LibTorch threads.
python3 -c "import json; c = json.load(open('kuhn.json')); c['threads'] = 2; json.dump(c, open('kuhn2.json', 'w'))"
"$arena" train kuhn2.json --db two.db --out runs/two --quiet > /dev/null
diff <(deterministic runs/full/metrics.csv) <(deterministic runs/two/metrics.csv) > /dev/null ||
  fail "threads=2 changed the metrics"
diff <(turns full.db) <(turns two.db) > /dev/null || fail "threads=2 changed the rollouts"
echo "ok: 1 and 2 threads give the same run"

# group_by: the estimator's group of a trajectory. spo_single keeps one tracker per group (its prompt): one for the
# whole batch, one per game, one per (game, seat) with ids game index × 64 + seat.
for g in "batch:[0]" "game:[0, 1]" "game_seat:[0, 1, 64, 65]"; do
  by=${g%%:*}
  cat > spo.json <<JSON
{"seed": 2, "steps": 2, "games": ["kuhn_poker", "tic_tac_toe"], "episodes_per_seat": 8, "policy": {"hidden": [8]},
 "estimator": {"name": "spo_single", "reward_min": -2, "reward_max": 2}, "group_by": "$by", "eval": {"every": 0},
 "store_turns": false}
JSON
  "$arena" train spo.json --db spo_$by.db --out runs/spo_$by --quiet > /dev/null
  got=$(python3 -c "import json, sys; s = json.load(open(sys.argv[1]))
print(sorted(t['prompt'] for t in s['estimator_state']['trackers']), s['config']['group_by'])" \
    runs/spo_$by/checkpoints/step-00000002/state.json)
  [[ $got == "${g#*:} $by" ]] || fail "group_by $by: spo_single's trackers and the stored setting are $got"
done
echo "ok: group_by gives the estimator one group per batch, game or (game, seat)"

# Errors: one line, exit 1, nothing written.
expect_error() {
  local what=$1 pattern=$2
  shift 2
  if "$arena" "$@" > out.txt 2> err.txt; then fail "$what: expected failure"; fi
  grep -q "$pattern" err.txt || fail "$what: expected '$pattern' in: $(cat err.txt)"
}
echo '{"games": ["kuhn_poker"], "ppo": {"clipp": 0.1}}' > typo.json
expect_error "unknown field" "unknown field 'ppo.clipp'" train typo.json --db bad.db --out runs/bad
echo '{"games": ["kuhn_poker"], "steps": -1}' > neg.json
expect_error "bad value" "'steps' must be an integer" train neg.json --db bad.db --out runs/bad
echo '{"games": ["kuhn_poker"], "group_by": "match"}' > group.json
expect_error "bad group_by" "'group_by' must be one of batch, game, game_seat, got \"match\"" train group.json --db bad.db --out runs/bad
echo '{"games": ["kuhn_poker"' > broken.json
expect_error "broken JSON" "not valid JSON" train broken.json --db bad.db --out runs/bad
expect_error "missing file" "cannot read" train nothing.json --db bad.db --out runs/bad
expect_error "bad --device" "device must be cpu, cuda or cuda:N, got 'tpu'" train kuhn.json --db bad.db --out runs/bad --device tpu
[[ ! -e bad.db && ! -e runs/bad ]] || fail "a refused configuration wrote something"
expect_error "existing run" "already holds a training run" train kuhn.json --db full.db --out runs/full
expect_error "resume without a run" "neither a checkpoint directory" train --resume --db x.db --out runs/none
echo '{"seed": 6, "steps": 6, "games": ["kuhn_poker"]}' > other.json
expect_error "resume with another config" "differs from the configuration" train other.json --resume --db full.db --out runs/full
expect_error "plot without a run" "no database" plot --db none.db --out x.png
expect_error "plot unknown metric" "has no metric" plot --db full.db --metrics nope --out x.png
expect_error "checkpoint on another game" "cannot play" eval --agent "policy(checkpoint=runs/full)" --games leduc_poker --opponents random -n 2
echo "ok: errors"

if command -v gnuplot > /dev/null; then
  "$arena" plot --db full.db --out curves.png > /dev/null
  [[ $(head -c 8 curves.png | od -An -c | tr -d ' ') == '211PNG\r\n032\n' ]] || fail "curves.png is not a PNG"
else
  expect_error "plot without gnuplot" "gnuplot" plot --db full.db --out curves.png
fi
"$arena" eval --agent "policy(checkpoint=runs/full)" --games kuhn_poker --opponents random -n 20 > eval.txt
grep -q "kuhn_poker" eval.txt || fail "eval output: $(cat eval.txt)"
"$arena" exploitability kuhn_poker --agent "policy(checkpoint=runs/full/checkpoints/step-00000006)" > expl.txt
grep -q "exploitability" expl.txt || fail "exploitability output: $(cat expl.txt)"
echo "ok: plot, eval and exploitability of a checkpoint"

# The checkpoint format against the reference implementation (PyPI safetensors), both ways: Python reads Arena's
# file; Arena plays a copy that Python wrote.
python=${2:-}
if [[ -n $python && -x $python ]] && "$python" -c "import safetensors, numpy" 2> /dev/null; then
  ckpt=runs/full/checkpoints/step-00000006
  mkdir -p pywritten
  "$python" - "$ckpt/model.safetensors" pywritten/model.safetensors <<'PY'
import json, sys
from safetensors import safe_open
from safetensors.numpy import save_file
tensors, meta = {}, None
with safe_open(sys.argv[1], framework="numpy") as f:
    meta = f.metadata()
    for k in f.keys():
        tensors[k] = f.get_tensor(k)
assert meta["arena.format"] == "arena-policy-1", meta
arch = json.loads(meta["arena.architecture"])
assert arch["policy"]["hidden"] == [16], arch
assert all(t.dtype.name == "float32" for t in tensors.values())
assert tensors["in0.weight"].shape == (16, 11), tensors["in0.weight"].shape
save_file(tensors, sys.argv[2], metadata=meta)
PY
  a=$("$arena" exploitability kuhn_poker --agent "policy(checkpoint=$ckpt)" | grep -E "value|NashConv|^exploitability")
  b=$("$arena" exploitability kuhn_poker --agent "policy(checkpoint=pywritten)" | grep -E "value|NashConv|^exploitability")
  [[ "$a" == "$b" ]] || fail "the Python-written copy plays differently: $a vs $b"
  echo "ok: checkpoints round-trip through PyPI safetensors"
else
  echo "skip: no Python with safetensors for the interop check"
fi
