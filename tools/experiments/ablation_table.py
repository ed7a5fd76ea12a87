#!/usr/bin/env python3
"""Turns ablation runs (tools/experiments/run_ablation.sh) into one table: mean and 95% confidence interval over seeds.

  python3 tools/experiments/ablation_table.py DIR [--markdown]

Reads DIR/runs/<game>__<variant>__s<seed>/metrics.csv and takes each run's last evaluation. Columns:
  kuhn, leduc      exact exploitability of the trained policy (lower is better) and its mean return against CFR,
                   averaged over both seats
  ttt              loss rate against minimax (optimal play), averaged over both seats (0 is perfect)
  mini_hanabi      mean self-play score (maximum 4)
The interval is mean ± t(0.975, n−1)·s/√n over the n seeds (Student t; no interval for one seed).
"""
import csv
import math
import os
import sys
from collections import defaultdict

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
        15: 2.131, 20: 2.086, 30: 2.042}
VARIANT_ORDER = ["full", "no_turn_level", "no_agent_specific", "fixed_opponent", "grpo", "rae"]
VARIANT_NAMES = {"full": "MARS (full)", "no_turn_level": "w/o turn-level", "no_agent_specific": "w/o agent-specific",
                 "fixed_opponent": "w/ fixed opponent", "grpo": "GRPO", "rae": "RAE (SPIRAL)"}


def t975(dof):
    keys = sorted(T975)
    for k in keys:
        if dof <= k:
            return T975[k]
    return 1.96


def last_eval(path):
    rows = list(csv.DictReader(open(path)))
    out = {}
    for row in rows:
        for k, v in row.items():
            if v and (k.startswith("exploitability/") or k.startswith("eval/")):
                out[k] = float(v)
    return out


def game_metrics(game, ev):
    """(column name, value) pairs for one run's last evaluation."""
    def avg(keys):
        vals = [ev[k] for k in keys if k in ev]
        return sum(vals) / len(vals) if vals else None
    if game in ("kuhn", "leduc"):
        expl = [v for k, v in ev.items() if k.startswith("exploitability/")]
        ret = avg([k for k in ev if k.endswith("/return") and "/cfr/" in k])
        return [(f"{game} exploitability", expl[0] if expl else None), (f"{game} return vs CFR", ret)]
    if game == "ttt":
        return [("ttt loss rate vs minimax", avg([k for k in ev if k.endswith("/loss") and "/minimax/" in k]))]
    if game == "mini_hanabi":
        return [("mini hanabi score", avg([k for k in ev if k.endswith("self_play/return")]))]
    return []


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    root = os.path.join(sys.argv[1], "runs")
    if not os.path.isdir(root):
        sys.exit(f"ablation_table.py: no runs in {root}")
    values = defaultdict(lambda: defaultdict(list))  # variant → column → [value per seed]
    columns = []
    for name in sorted(os.listdir(root)):
        parts = name.split("__")
        path = os.path.join(root, name, "metrics.csv")
        if len(parts) != 3 or not os.path.exists(path):
            continue
        game, variant, _seed = parts
        for col, v in game_metrics(game, last_eval(path)):
            if v is None:
                continue
            if col not in columns:
                columns.append(col)
            values[variant][col].append(v)
    if not values:
        sys.exit("ablation_table.py: no finished runs with evaluations")
    print("| variant | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for variant in [v for v in VARIANT_ORDER if v in values] + sorted(set(values) - set(VARIANT_ORDER)):
        cells = []
        for col in columns:
            xs = values[variant].get(col, [])
            if not xs:
                cells.append("")
                continue
            n = len(xs)
            mean = sum(xs) / n
            if n > 1:
                sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
                cells.append(f"{mean:.3f} ± {t975(n - 1) * sd / math.sqrt(n):.3f} (n={n})")
            else:
                cells.append(f"{mean:.3f} (n=1)")
        print(f"| {VARIANT_NAMES.get(variant, variant)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
