#!/usr/bin/env bash
# Trains the language-model policy (tools/experiments/lm/mars.json) and its ablations, then evaluates the starting
# model, the supervised warm start and every trained variant on the three training games and the three held-out
# games with MARS's opponents. Run from the repository root:
#   bash tools/experiments/lm/run.sh [--out DIR] [--seeds "1 2"] [--variants "full grpo"] [--until N]
#                                    [--eval-n N] [--device cuda|cpu] [--config F] [--arena PATH]
#                                    [--no-eval | --eval-only] [--sft MODEL_DIR]
# Variants: full (MARS), no_turn_level, no_agent_specific, fixed_opponent (against the teachers' agents), grpo, rae.
# The first variant of each seed runs the supervised warm start; the other variants start from its fine-tuned model
# (--sft MODEL_DIR: every variant starts from that fine-tuned model instead).
# Runs live in DIR/runs/<variant>__s<seed> (database DIR/lm.db); re-running resumes unfinished runs exactly, so a long
# experiment can be chained over several calls (--until N stops every run after step N). Evaluations are written to
# DIR/eval/<row>__<game>.json (arena eval --json) and summarised by tools/experiments/lm/report.py DIR.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
config="$root/tools/experiments/lm/mars.json"
out="lm_experiment"
seeds="1"
variants="full"
until=""
eval_n=16
device="cuda"
arena="$root/build/bin/arena"
do_eval=1
do_train=1
sft_dir=""
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --variants) variants=$2; shift 2 ;;
    --until) until=$2; shift 2 ;;
    --eval-n) eval_n=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --arena) arena=$2; shift 2 ;;
    --no-eval) do_eval=0; shift ;;
    --eval-only) do_train=0; shift ;;
    --sft) sft_dir=$(cd "$2" && pwd); shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out/configs" "$out/runs" "$out/eval"
py=python3
[[ -x "$root/.venv/bin/python" ]] && py="$root/.venv/bin/python"

for seed in $seeds; do
  for variant in $variants; do
    ((do_train)) || continue
    name="${variant}__s${seed}"
    cfg="$out/configs/$name.json"
    # The first variant of each seed runs the warm start; the others start from its fine-tuned model, so every
    # variant of a seed shares one SFT model.
    first_of_seed="$out/runs/$(echo $variants | cut -d' ' -f1)__s${seed}"
    shared=""
    [[ $variant != "$(echo $variants | cut -d' ' -f1)" && -d "$first_of_seed/sft" ]] && shared="$(cd "$first_of_seed/sft" && pwd)"
    [[ -n $sft_dir ]] && shared="$sft_dir"
    "$py" - "$config" "$cfg" "$variant" "$seed" "$shared" <<'PY'
import json, sys
src, dst, variant, seed, shared = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
c = json.load(open(src))
c["seed"] = seed
teachers = c["policy"].get("sft", {}).get("teachers", [])
if shared:
    c["policy"].pop("init", None)
    c["policy"].pop("sft", None)
    c["policy"]["checkpoint"] = shared
if variant == "no_turn_level":
    c["estimator"] = {"name": "mars", "turn_level": False}
elif variant == "no_agent_specific":
    c["estimator"] = {"name": "mars", "agent_specific": False}
elif variant == "fixed_opponent":
    c["mode"] = "fixed_opponent"
    for i, g in enumerate(c["games"]):
        if isinstance(g, str):
            g = {"game": g}
        g["opponent"] = teachers[i]
        c["games"][i] = g
elif variant == "grpo":
    c["estimator"] = {"name": "grpo"}
elif variant == "rae":
    c["estimator"] = {"name": "rae"}
elif variant != "full":
    sys.exit("run.sh: unknown variant " + variant)
json.dump(c, open(dst, "w"), indent=2)
PY
    run="$out/runs/$name"
    args=(--db "$out/lm.db" --out "$run" --device "$device")
    [[ -n $until ]] && args+=(--until-step "$until")
    if [[ -f "$run/latest.json" ]]; then
      if "$py" -c "import json,sys; c=json.load(open('$run/config.json')); s=json.load(open('$run/latest.json'))['step']; sys.exit(0 if s >= c['steps'] or ('$until' and s >= int('$until' or 0)) else 1)"; then
        echo "== $name: done"
        continue
      fi
      echo "== $name: resuming"
      "$arena" train --resume "${args[@]}"
    else
      echo "== $name: training"
      "$arena" train "$cfg" "${args[@]}"
    fi
  done
done
((do_eval)) || exit 0

# Evaluation: per seed, the starting model and the warm start (of the seed's first variant), then every variant's
# latest checkpoint.
max_new=$("$py" -c "import json; print(json.load(open('$config'))['policy'].get('max_new_tokens', 64))")
declare -A games=(
  [tic_tac_toe]="mcts(sims=100),mcts(sims=1000)"
  [kuhn_poker]="cfr"
  ["hanabi(preset=mini)"]=""
  [connect_four]="mcts(sims=10),mcts(sims=100)"
  [leduc_poker]="nash"
  ["hanabi(preset=simple)"]=""
)
evaluate() {  # row checkpoint
  local row=$1 ckpt=$2 version=fixed
  # A run directory's evaluation is redone when its latest checkpoint changed.
  [[ -f "$ckpt/latest.json" ]] && version=$("$py" -c "import json; print(json.load(open('$ckpt/latest.json'))['step'])")
  for game in tic_tac_toe kuhn_poker "hanabi(preset=mini)" connect_four leduc_poker "hanabi(preset=simple)"; do
    local file="$out/eval/${row}__$(echo "$game" | tr -c 'a-z0-9_\n' '_').json"
    [[ -f $file && "$(cat "$file.version" 2> /dev/null)" == "$version" ]] && continue
    local opp=(); [[ -n ${games[$game]} ]] && opp=(--opponents "${games[$game]}")
    echo "== eval $row ($version) on $game"
    # As in training: one refused answer forfeits (no retries); the weights as trained (float32).
    "$arena" eval --agent "lm(checkpoint=$ckpt,temperature=0.6,max_new_tokens=$max_new,device=$device,dtype=float32)" \
      --games "$game" "${opp[@]}" -n "$eval_n" --max-retries 0 --db "$out/eval.db" --json "$file.tmp" > /dev/null
    mv "$file.tmp" "$file"
    echo "$version" > "$file.version"
  done
}
for seed in $seeds; do
  first="$out/runs/$(echo $variants | cut -d' ' -f1)__s$seed"
  if [[ -d "$first/init" ]]; then evaluate "untrained__s$seed" "$first/init"; fi
  if [[ -d "$first/sft" ]]; then evaluate "sft__s$seed" "$first/sft"; fi
  for variant in $variants; do
    evaluate "${variant}__s${seed}" "$out/runs/${variant}__s${seed}"
  done
done
echo "evaluations in $out/eval; table: python3 tools/experiments/lm/report.py $out"
