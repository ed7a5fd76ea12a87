#!/usr/bin/env bash
# Runs the MARS ablation configurations of tools/experiments/ablation/ over several seeds, then prints the table.
#   bash tools/experiments/run_ablation.sh [--seeds "1 2 3"] [--games "kuhn ttt"] [--variants "full grpo"]
#                                          [--steps N] [--out DIR] [--arena PATH]
# Each (config, seed) is one `arena train` run in DIR/runs/<game>__<variant>__s<seed>, all in DIR/ablation.db.
# Re-running continues: finished runs are skipped, unfinished ones resume exactly. --steps shortens every run (the
# cosine schedules then follow the shorter horizon), for a quick pass.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seeds="1 2 3"
games="kuhn leduc ttt mini_hanabi"
variants="full no_turn_level no_agent_specific fixed_opponent grpo rae"
steps=""
out="ablation"
arena="$root/build/bin/arena"
while (($#)); do
  case $1 in
    --seeds) seeds=$2; shift 2 ;;
    --games) games=$2; shift 2 ;;
    --variants) variants=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --arena) arena=$2; shift 2 ;;
    *) echo "run_ablation.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out/configs" "$out/runs"
for game in $games; do
  for variant in $variants; do
    base="$root/tools/experiments/ablation/${game}__${variant}.json"
    [[ -f $base ]] || { echo "run_ablation.sh: no configuration $base" >&2; exit 2; }
    for seed in $seeds; do
      name="${game}__${variant}__s${seed}"
      cfg="$out/configs/$name.json"
      python3 - "$base" "$seed" "$steps" > "$cfg" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["seed"] = int(sys.argv[2])
if sys.argv[3]:
    c["steps"] = int(sys.argv[3])
print(json.dumps(c, indent=2))
PY
      run="$out/runs/$name"
      if [[ -f $run/latest.json ]]; then
        want=$(python3 -c "import json;print(json.load(open('$cfg'))['steps'])")
        have=$(python3 -c "import json;print(json.load(open('$run/latest.json'))['step'])")
        if [[ $have == "$want" ]]; then echo "== $name: done"; continue; fi
        echo "== $name: resuming at step $have"
        "$arena" train "$cfg" --resume --db "$out/ablation.db" --out "$run" --quiet
      else
        echo "== $name"
        "$arena" train "$cfg" --db "$out/ablation.db" --out "$run" --quiet
      fi
    done
  done
done
python3 "$root/tools/experiments/ablation_table.py" "$out"
