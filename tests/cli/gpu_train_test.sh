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
 "policy": {"hidden": [64, 64]}, "eval": {"every": 0}}
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
grep -q "exploitability/kuhn_poker" gpu.log || true
echo "ok: cuda training ran; its first step's $(first_step gpu.db | wc -l) turns equal the CPU path's"
