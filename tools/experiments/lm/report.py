#!/usr/bin/env python3
"""One table (and a PNG chart) from tools/experiments/lm/run.sh's evaluations.

  python3 tools/experiments/lm/report.py DIR [--png FILE]

Reads DIR/eval/<row>__<game>.json (arena eval --json). Rows: the untrained starting model, the supervised warm start
(SFT only) and each self-play variant; a row named <row>__s<seed> is one seed of the row, and seeds are averaged.
Columns: the three training games and the three held-out games.

Normalized return (x100), per game: the mean over opponents and seats of arena eval's normalized return, i.e.
(return - min utility) / (max utility - min utility) for competitive games (0 = every game lost, 50 = draws in a +-1
game, 100 = every game won) and score / max score for Hanabi self-play, each match clamped to [0, 100]. A forfeit
(an answer that named no legal action) therefore counts as the worst result where its penalty falls below the game's
minimum utility (Tic-Tac-Toe, Connect Four, Kuhn, Hanabi); in Leduc the forfeit return (-11 at the first bet) lies
above the minimum utility (-13) and normalizes to 7.7.
Interval: 95%, from arena eval's per-cell intervals (independent cells: sqrt of the sum of squares over the count);
over several seeds, mean +- t(0.975, n-1) s / sqrt(n) of the per-seed values instead.
"""
import json
import math
import os
import shutil
import subprocess
import sys
from collections import defaultdict

TRAIN = [("tic_tac_toe", "Tic-Tac-Toe"), ("kuhn_poker", "Kuhn"), ("hanabi_preset_mini_", "Mini Hanabi")]
HELD_OUT = [("connect_four", "Connect Four"), ("leduc_poker", "Leduc"), ("hanabi_preset_simple_", "Simple Hanabi")]
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
        15: 2.131, 20: 2.086, 30: 2.042}


def t975(dof):
    """Student t(0.975, dof); between tabulated values the smaller dof's (wider) value; 1.96 beyond 30."""
    if dof > 30:
        return 1.96
    return T975[max(k for k in T975 if k <= dof)]
ROW_NAMES = {"untrained": "untrained LM", "sft": "SFT only", "full": "SFT + self-play (MARS)",
             "no_turn_level": "  w/o turn-level", "no_agent_specific": "  w/o agent-specific",
             "fixed_opponent": "  fixed opponent", "grpo": "  GRPO", "rae": "  RAE"}
ORDER = ["untrained", "sft", "full", "no_turn_level", "no_agent_specific", "fixed_opponent", "grpo", "rae"]


def cell(rows):
    """Mean normalized x100 over a game's eval rows, with its 95% half-width."""
    if not rows:
        return None
    mean = sum(r["normalized"] for r in rows) / len(rows)
    half = math.sqrt(sum(r["normalized_ci"] ** 2 for r in rows)) / len(rows)
    return 100 * mean, 100 * half


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    png = sys.argv[sys.argv.index("--png") + 1] if "--png" in sys.argv else os.path.join(d, "report.png")
    ev = os.path.join(d, "eval")
    if not os.path.isdir(ev):
        sys.exit(f"report.py: {ev} does not exist (run tools/experiments/lm/run.sh first)")
    data = defaultdict(dict)  # (row, seed) -> game -> cell
    for f in sorted(os.listdir(ev)):
        if not f.endswith(".json") or "__" not in f:
            continue
        row, game = f[:-5].split("__", 1) if f.count("__") == 1 else (f[:-5].rsplit("__", 1)[0], f[:-5].rsplit("__", 1)[1])
        seed = None
        if "__s" in row:
            row, seed = row.rsplit("__s", 1)
        data[(row, seed)][game] = cell(json.load(open(os.path.join(ev, f))))
    by_row = defaultdict(list)
    seeded = set()
    for (row, seed), games in data.items():
        by_row[row].append(games)
        if seed is not None:
            seeded.add(row)
    cols = TRAIN + HELD_OUT
    table = []
    for row in sorted(by_row, key=lambda r: ORDER.index(r) if r in ORDER else 99):
        runs = by_row[row]
        cells = []
        for key, _ in cols:
            vals = [r[key] for r in runs if r.get(key)]
            if not vals:
                cells.append(None)
            elif len(vals) == 1:
                cells.append(vals[0])
            else:
                m = sum(v[0] for v in vals) / len(vals)
                s = math.sqrt(sum((v[0] - m) ** 2 for v in vals) / (len(vals) - 1))
                cells.append((m, t975(len(vals) - 1) * s / math.sqrt(len(vals))))
        held = [c[0] for c in cells[3:] if c]
        table.append((row, len(runs), cells, sum(held) / len(held) if len(held) == 3 else None))
    head = "| row | seeds | " + " | ".join(f"{n} (train)" for _, n in TRAIN) + " | " + \
        " | ".join(f"{n} (held-out)" for _, n in HELD_OUT) + " | held-out mean |"
    print(head)
    print("|" + "---|" * (len(cols) + 3))
    for row, n, cells, held in table:
        txt = [f"{c[0]:.1f} ± {c[1]:.1f}" if c else "-" for c in cells]
        tail = f" | {held:.1f} |" if held is not None else " | - |"
        seeds = n if row in seeded else "-"
        print(f"| {ROW_NAMES.get(row, row)} | {seeds} | " + " | ".join(txt) + tail)
    print("\nNormalized return x100 (mean over opponents and seats; 95% intervals); see the docstring for the definition.")
    if shutil.which("gnuplot") and table:
        dat = os.path.join(d, "report.dat")
        with open(dat, "w") as f:
            f.write('"row" ' + " ".join(f'"{n}"' for _, n in cols) + "\n")
            for row, _, cells, _ in table:
                f.write(f'"{ROW_NAMES.get(row, row).strip()}" ' +
                        " ".join(f"{c[0]:.3f}" if c else "0" for c in cells) + "\n")
        top = max([c[0] for _, _, cells, _ in table for c in cells if c] + [1.0]) * 1.1  # headroom above the tallest
        script = (f"set terminal pngcairo noenhanced size 1200,500; set output '{png}'; set style data histograms; "
                  f"set yrange [0:{top:.2f}]; "
                  "set style histogram clustered gap 1; set style fill solid 0.8 border -1; set key outside right; "
                  "set ylabel 'normalized return x100'; set xtics rotate by -20; "
                  f"plot for [i=2:{len(cols) + 1}] '{dat}' using i:xtic(1) title columnheader(i)")
        r = subprocess.run(["gnuplot", "-e", script], capture_output=True, text=True)
        if r.returncode == 0:
            print(f"chart: {png}")
        else:
            print(f"no chart (gnuplot: {r.stderr.strip()[:200]})")


if __name__ == "__main__":
    main()
