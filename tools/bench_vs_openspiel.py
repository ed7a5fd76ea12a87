#!/usr/bin/env python3
"""Side-by-side speed against OpenSpiel (pyspiel) on the same machine, in one run.

    .venv/bin/python tools/bench_vs_openspiel.py --arena build/bin/arena [--seconds S] [--games g1,g2]
    build/bin/arena bench vs-openspiel [--seconds S] [--games g1,g2]      (the same, through the CLI)

Per game shared with OpenSpiel (docs/openspiel.md), complete random games per second, each measured for S seconds on
one core:
  ours         `arena bench games GAME --seconds S`: random legal moves, chance sampled from its distribution.
  py loop      pyspiel driven from a Python loop: new_initial_state, then chance_outcomes sampled with Python's
               random, random.choice over legal_actions (both players' legal actions at simultaneous nodes).
  evaluate_bots  pyspiel's own C++ loop: pyspiel.evaluate_bots(state, uniform random bots, seed), one Python call per
               game. It is the only whole-game C++ loop the 2.0.2 bindings expose: RandomRolloutEvaluator has no
               Python-side evaluate, and random_sim_test runs the full API checks at every step (not a playout).
               For python_iterated_prisoners_dilemma (a Python game) the loop calls back into Python at every step.
and CFR+ iterations/s on kuhn_poker and leduc_poker: `arena bench solvers` against pyspiel.CFRPlusSolver.
Mean game lengths are printed as a sanity check (ours counts each simultaneous move as two moves).
"""

import argparse
import random
import re
import subprocess
import sys
import time

import pyspiel

# (our game string, OpenSpiel's game string); docs/openspiel.md has the parameters and ids.
GAMES = [
    ("tic_tac_toe", "tic_tac_toe"),
    ("connect_four", "connect_four"),
    ("kuhn_poker", "kuhn_poker"),
    ("leduc_poker", "leduc_poker"),
    ("liars_dice", "liars_dice"),
    ("goofspiel", "goofspiel"),
    ("pig", "pig"),
    ("breakthrough", "breakthrough"),
    ("lewis_signaling", "lewis_signaling"),
    ("tiny_hanabi", "tiny_hanabi"),
    ("hanabi", "hanabi(players=2)"),
    ("iterated_prisoners_dilemma", "python_iterated_prisoners_dilemma"),
]


def load_os(name):
    if name.startswith("python_"):
        from open_spiel.python import games  # noqa: F401 (registers the Python games)
    return pyspiel.load_game(name)


def ours_playouts(arena, games, seconds):
    """{our game string: (playouts/s, mean length)} from `arena bench games`."""
    out = subprocess.run([arena, "bench", "games", *games, "--seconds", str(seconds)], capture_output=True,
                         text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and re.fullmatch(r"[0-9.]+", parts[-1]) and re.fullmatch(r"[0-9]+", parts[-3]):
            rows[" ".join(parts[:-3])] = (float(parts[-3]), float(parts[-1]))
    return rows


def python_loop(game, seconds, seed=1):
    rng = random.Random(seed)
    n_players = game.num_players()
    games = moves = 0
    start = time.perf_counter()
    while True:
        for _ in range(16):
            s = game.new_initial_state()
            while not s.is_terminal():
                if s.is_chance_node():
                    u, acc = rng.random(), 0.0
                    outcomes = s.chance_outcomes()
                    pick = outcomes[-1][0]
                    for a, p in outcomes:
                        acc += p
                        if u < acc:
                            pick = a
                            break
                    s.apply_action(int(pick))
                elif s.is_simultaneous_node():
                    s.apply_actions([rng.choice(s.legal_actions(p)) for p in range(n_players)])
                else:
                    s.apply_action(rng.choice(s.legal_actions()))
                moves += 1
            games += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return games / elapsed, moves / games


def evaluate_bots_loop(game, seconds, seed=1):
    bots = [pyspiel.make_uniform_random_bot(p, seed + p) for p in range(game.num_players())]
    games = 0
    start = time.perf_counter()
    while True:
        for _ in range(16):
            pyspiel.evaluate_bots(game.new_initial_state(), bots, seed + games)
            games += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return games / elapsed


def cfr_rates(arena, seconds):
    out = subprocess.run([arena, "bench", "solvers", "--seconds", str(seconds)], capture_output=True, text=True,
                         check=True).stdout
    ours = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in ("kuhn_poker", "leduc_poker"):
            ours[parts[0]] = float(parts[3])
    rows = []
    for g in ("kuhn_poker", "leduc_poker"):
        game = pyspiel.load_game(g)
        solver = pyspiel.CFRPlusSolver(game)
        n = 0
        start = time.perf_counter()
        while True:
            for _ in range(5):
                solver.evaluate_and_update_policy()
            n += 5
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        rows.append((g, ours.get(g, float("nan")), n / elapsed))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arena", required=True, help="path to the arena binary")
    ap.add_argument("--seconds", type=float, default=1.0, help="seconds per measurement")
    ap.add_argument("--games", default="", help="comma-separated subset of our game names")
    ap.add_argument("--no-cfr", action="store_true", help="skip the CFR+ comparison")
    args = ap.parse_args()
    wanted = [g for g in args.games.split(",") if g]
    games = [(o, t) for o, t in GAMES if not wanted or o in wanted]
    registered = subprocess.run([args.arena, "games"], capture_output=True, text=True, check=True).stdout
    known = {line.split()[0] for line in registered.splitlines() if line.split()}
    games = [(o, t) for o, t in games if o in known]
    if not games:
        print("no game to measure")
        return 1
    print(f"Random playouts per second on one core, {args.seconds:g} s per measurement, pyspiel "
          f"{getattr(pyspiel, '__version__', '')}\n", flush=True)
    ours = ours_playouts(args.arena, [o for o, _ in games], args.seconds)
    header = ("game", "ours", "pyspiel py loop", "pyspiel evaluate_bots", "ours/py loop", "ours/evaluate_bots",
              "mean length ours/OpenSpiel")
    rows = []
    for o, t in games:
        game = load_os(t)
        rate, length = ours[o]
        py_rate, py_length = python_loop(game, args.seconds)
        eb_rate = evaluate_bots_loop(game, args.seconds)
        note = " (Python game)" if t.startswith("python_") else ""
        rows.append((o, f"{rate:.0f}", f"{py_rate:.0f}", f"{eb_rate:.0f}{note}", f"{rate / py_rate:.1f}x",
                     f"{rate / eb_rate:.1f}x", f"{length:.1f} / {py_length:.1f}"))
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))
    print(line + "\n" + "-" * len(line))
    for r in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    if not args.no_cfr:
        print("\nCFR+ iterations per second on one core (ours: `arena bench solvers`; OpenSpiel: "
              "CFRPlusSolver.evaluate_and_update_policy)\n")
        print(f"{'game':<12}  {'ours':>10}  {'OpenSpiel':>10}  {'ours/OpenSpiel':>14}")
        print("-" * 52)
        for g, o, t in cfr_rates(args.arena, args.seconds):
            print(f"{g:<12}  {o:>10.0f}  {t:>10.1f}  {o / t:>13.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
