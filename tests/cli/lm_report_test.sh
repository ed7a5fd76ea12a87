#!/usr/bin/env bash
# tools/experiments/lm/report.py on hand-made evaluations: per-game cells are means over opponents and seats with
# the combined interval; seeds of a variant are averaged with a Student t interval; the held-out mean needs all three
# held-out games; the chart is drawn when gnuplot is present.
set -euo pipefail
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p d/eval
row() {  # row FILE normalized ci [normalized ci ...]: one eval row per pair
  local f=$1; shift
  local out="["
  while (($#)); do
    out+="{\"game\":\"g\",\"opponent\":\"o\",\"seat\":0,\"n\":8,\"wins\":0,\"draws\":0,\"losses\":8,\"normalized\":$1,\"normalized_ci\":$2},"
    shift 2
  done
  echo "${out%,}]" > "d/eval/$f.json"
}
row sft__kuhn_poker 0.2 0.1 0.4 0.1
row untrained__s1__kuhn_poker 0.0 0.1
row untrained__s2__kuhn_poker 0.1 0.1
row full__s1__kuhn_poker 0.5 0.1
row full__s2__kuhn_poker 0.7 0.1
for g in connect_four leduc_poker hanabi_preset_simple_; do row "full__s1__$g" 0.1 0; row "full__s2__$g" 0.3 0; done
python3 "$src/tools/experiments/lm/report.py" d > out.md || fail "report.py: $(cat out.md)"
# SFT only, Kuhn: mean of 0.2 and 0.4 = 30.0; interval sqrt(0.1² + 0.1²) / 2 = 7.07.
grep -q "| SFT only | - | - | 30.0 ± 7.1 |" out.md || fail "SFT row: $(cat out.md)"
# MARS, Kuhn over seeds 50 and 70: mean 60, s = 14.14, t(0.975, 1) = 12.706 → 12.706 · 14.14 / √2 = 127.1.
grep -q "| SFT + self-play (MARS) | 2 | - | 60.0 ± 127.1 |" out.md || fail "MARS row: $(cat out.md)"
# Held-out mean of 20, 20, 20 (each the mean of seeds at 10 and 30).
grep -q "| 20.0 |$" out.md || fail "held-out mean: $(cat out.md)"
grep "| SFT only" out.md | grep -q "| - |$" || fail "SFT has no held-out mean: $(cat out.md)"
# A seeded untrained row (one per seed, as run.sh writes them): seeds 0 and 10 → 5.0 ± 12.706 · 7.07 / √2 = 63.5.
grep -q "| untrained LM | 2 | - | 5.0 ± 63.5 |" out.md || fail "seeded untrained row: $(cat out.md)"
if command -v gnuplot > /dev/null; then [[ -s d/report.png ]] || fail "no chart"; fi
python3 "$src/tools/experiments/lm/report.py" missing > err.txt 2>&1 && fail "a missing directory was accepted"
grep -q "does not exist" err.txt || fail "missing directory: $(cat err.txt)"
echo "ok: report table, seeds, held-out mean, chart"
