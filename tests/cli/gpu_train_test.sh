#!/usr/bin/env bash
# GPU self-play training: `arena train --device cuda` runs, and its first step's rollouts (games and chance are
# CPU-side and seeded) equal the CPU path's. Skips (exit 77) on machines without a CUDA device.
set -euo pipefail
arena=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# MARS in both modes and GRPO run on the CUDA kernels; RAE stays on the CPU estimator during training.
estimators=('{"name": "mars", "mode": "paper"}' '{"name": "mars"}' '{"name": "grpo"}' '{"name": "rae"}')
first_step() {
  sqlite3 "$1" "SELECT m.idx, t.ply, t.player, t.action FROM turns t JOIN matches m ON m.id = t.match_id
                WHERE m.idx < (SELECT count(*) / 2 FROM matches) ORDER BY m.idx, t.ply"
}
for i in "${!estimators[@]}"; do
  cat > cfg.json <<JSON
{"seed": 3, "steps": 2, "games": ["kuhn_poker", "leduc_poker"], "episodes_per_seat": 256,
 "policy": {"hidden": [64, 64]}, "estimator": ${estimators[$i]}, "eval": {"every": 0}}
JSON
  if ! "$arena" train cfg.json --device cuda --db gpu$i.db --out runs/gpu$i --quiet > gpu.log 2>&1; then
    if grep -q "no CUDA device" gpu.log; then echo "skip: no CUDA device"; exit 77; fi
    cat gpu.log; exit 1
  fi
  "$arena" train cfg.json --device cpu --db cpu$i.db --out runs/cpu$i --quiet > /dev/null
  diff <(first_step cpu$i.db) <(first_step gpu$i.db) > diff.txt ||
    { echo "FAIL: first-step rollouts differ on cuda (${estimators[$i]})"; head diff.txt; exit 1; }
  # Over the same rollouts, step 1's advantages on the GPU run (CUDA kernels for mars and grpo) and on the CPU run
  # agree.
  python3 - runs/cpu$i/metrics.csv runs/gpu$i/metrics.csv <<'PY' || { echo "FAIL: step-1 advantages differ (${estimators[$i]})"; exit 1; }
import csv, sys
a, b = (next(r for r in csv.DictReader(open(p)) if r["step"] == "1") for p in sys.argv[1:3])
for k in ("adv_mean", "adv_std", "turns"):
    x, y = float(a[k]), float(b[k])
    assert abs(x - y) <= 1e-7 * max(1.0, abs(x)), (k, x, y)
PY
  echo "ok: ${estimators[$i]}: cuda training ran; its first step's $(first_step gpu$i.db | wc -l) turns and advantages equal the CPU path's"
done
