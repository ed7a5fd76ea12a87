#!/usr/bin/env bash
# GPU self-play training: `arena train --device cuda` runs, and its first step's rollouts (games and chance are
# CPU-side and seeded) equal the CPU path's. Skips (exit 77) on machines without a CUDA device.
set -euo pipefail
arena=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > cfg.json <<'JSON'
{"seed": 3, "steps": 3, "games": ["kuhn_poker", "leduc_poker"], "episodes_per_seat": 256,
 "policy": {"hidden": [64, 64]}, "estimator": {"name": "mars", "mode": "paper"}, "eval": {"every": 0}}
JSON
if ! "$arena" train cfg.json --device cuda --db gpu.db --out runs/gpu --quiet > gpu.log 2>&1; then
  if grep -q "no CUDA device" gpu.log; then echo "skip: no CUDA device"; exit 77; fi
  cat gpu.log; exit 1
fi
"$arena" train cfg.json --device cpu --db cpu.db --out runs/cpu --quiet > /dev/null
first_step() {
  sqlite3 "$1" "SELECT m.idx, t.ply, t.player, t.action FROM turns t JOIN matches m ON m.id = t.match_id
                WHERE m.idx < (SELECT count(*) / 3 FROM matches) ORDER BY m.idx, t.ply"
}
diff <(first_step cpu.db) <(first_step gpu.db) > diff.txt || { echo "FAIL: first-step rollouts differ on cuda"; head diff.txt; exit 1; }
# Step 1's advantages come from the CUDA kernels on the GPU and from the CPU estimator on the CPU, over the same
# rollouts: their batch statistics agree.
python3 - runs/cpu/metrics.csv runs/gpu/metrics.csv <<'PY' || { echo "FAIL: step-1 advantages differ"; exit 1; }
import csv, sys
a, b = (next(r for r in csv.DictReader(open(p)) if r["step"] == "1") for p in sys.argv[1:3])
for k in ("adv_mean", "adv_std", "turns"):
    x, y = float(a[k]), float(b[k])
    assert abs(x - y) <= 1e-7 * max(1.0, abs(x)), (k, x, y)
PY
echo "ok: cuda training ran; its first step's $(first_step gpu.db | wc -l) turns and advantages equal the CPU path's"
