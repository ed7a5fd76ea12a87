"""Differential test of one game against OpenSpiel: replays `arena trace` histories in pyspiel in lockstep.

    python lockstep.py --arena build/bin/arena GAME [--games N] [--seed S]

GAME is a key of mappings.GAMES (our game name); every variant listed there (parameters, number of histories) is
checked. For every state along each history the test compares the current player, the legal action set (through the
game's action mapping), chance outcomes and probabilities, terminal status, per-step rewards and returns; it applies
the same actions to both engines (chance outcomes forced through the mapping). Over all visited decision states of
each player it then checks that our information_state and OpenSpiel's information_state_string induce the same
partition of histories (both maps, ours -> theirs and theirs -> ours, must be functions; where OpenSpiel has no
information_state_string, or the adapter says so, only ours -> theirs, against its observation_string if need be).
Every disagreement prints the game, the history (our action ids) and what differs; the exit status is 1 if there was
any. docs/openspiel.md describes the mapping and the intentional differences.

Run through run.sh, which exits with CTest's skip code when .venv's python cannot import pyspiel.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import mappings

TOL = 1e-9
MAX_REPORTS = 20


class Mismatch(Exception):
    pass


def close(a, b):
    return len(a) == len(b) and all(abs(float(x) - float(y)) <= TOL for x, y in zip(a, b))


def fmt_list(v):
    return "[" + ", ".join(f"{float(x):g}" for x in v) + "]"


def read_traces(arena, game_string, num_games, seed):
    """Yields the JSON objects `arena trace` writes, one per game, as it writes them (num_games = mappings.ALL: every
    history of the game)."""
    if num_games == mappings.ALL:
        cmd = [arena, "trace", game_string, "--all"]
    else:
        cmd = [arena, "trace", game_string, "--games", str(num_games), "--seed", str(seed)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1 << 20)
    try:
        for line in proc.stdout:
            yield json.loads(line)
    finally:
        proc.stdout.close()
        if proc.wait() != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited with status {proc.returncode}")


class InfoPartition:
    """Collects (player, ours) <-> (player, theirs) pairs and reports where either map stops being a function."""

    def __init__(self, both_ways):
        self.both_ways = both_ways
        self.ours_to_theirs = {}
        self.theirs_to_ours = {}
        self.errors = []
        self.pairs = 0

    def add(self, player, ours, theirs, where):
        self.pairs += 1
        k = (player, ours)
        seen = self.ours_to_theirs.get(k)
        if seen is None:
            self.ours_to_theirs[k] = (theirs, where)
        elif seen[0] != theirs:
            self.errors.append(
                f"player {player}: our information state {ours!r} covers two OpenSpiel information states:\n"
                f"    {seen[0]!r} at {seen[1]}\n    {theirs!r} at {where}")
        if not self.both_ways:
            return
        k = (player, theirs)
        seen = self.theirs_to_ours.get(k)
        if seen is None:
            self.theirs_to_ours[k] = (ours, where)
        elif seen[0] != ours:
            self.errors.append(
                f"player {player}: OpenSpiel information state {theirs!r} covers two of ours:\n"
                f"    {seen[0]!r} at {seen[1]}\n    {ours!r} at {where}")


def replay_one(trace, game, adapter, partition, stats):
    """Replays one trace in pyspiel; raises Mismatch with a description at the first disagreement."""
    states = trace["states"]
    os_state = game.new_initial_state()
    pending = None  # simultaneous games: player 0's half of the joint action, not yet applied
    since_move = None  # sum of our rewards since the last player move (for sticky_rewards)
    n = len(states)
    for i, st in enumerate(states):
        stats["steps"] += 1
        ours_player = st["player"]
        where = f"step {i} (after {i} actions)"

        def fail(what):
            raise Mismatch(f"{where}: {what}")

        # Rewards: ours are those of the transition into this state.
        rewards = st["rewards"]
        since_move = rewards if since_move is None else [a + b for a, b in zip(since_move, rewards)]
        intermediate = pending is not None  # our player 1 is to bid; OpenSpiel still waits for the joint action

        if st["terminal"] and not os_state.is_terminal():
            if adapter.finish_terminal(os_state):
                stats["finished"] += 1
            if not os_state.is_terminal():
                fail(f"we are terminal, OpenSpiel is not (its current player {os_state.current_player()})")
        if not st["terminal"] and os_state.is_terminal():
            fail(f"OpenSpiel is terminal with returns {fmt_list(os_state.returns())}, we are not "
                 f"(our current player {ours_player})")

        os_returns = list(os_state.returns())
        if not close(st["returns"], os_returns):
            fail(f"returns: ours {fmt_list(st['returns'])}, OpenSpiel {fmt_list(os_returns)}")
        if intermediate:
            if any(abs(r) > TOL for r in rewards):
                fail(f"rewards of player 0's half move: ours {fmt_list(rewards)}, expected zeros (the joint move "
                     "pays at player 1's half)")
        else:
            os_rewards = list(os_state.rewards())
            expect = since_move if adapter.sticky_rewards else rewards
            if not close(expect, os_rewards):
                label = "rewards since the last player move" if adapter.sticky_rewards else "rewards"
                fail(f"{label}: ours {fmt_list(expect)}, OpenSpiel {fmt_list(os_rewards)}")

        if st["terminal"]:
            if i != n - 1:
                fail("terminal state before the end of the trace")
            return

        action = st["action"]
        if ours_player == -1:
            if not os_state.is_chance_node():
                fail(f"we are at a chance node, OpenSpiel's current player is {os_state.current_player()}")
            ours_out = sorted((adapter.chance_to_os(a), p) for a, p in st["chance"])
            theirs_out = sorted((int(a), float(p)) for a, p in os_state.chance_outcomes())
            if [a for a, _ in ours_out] != [a for a, _ in theirs_out] or \
                    not close([p for _, p in ours_out], [p for _, p in theirs_out]):
                fail(f"chance outcomes (mapped): ours {ours_out}, OpenSpiel {theirs_out}")
            os_state.apply_action(adapter.chance_to_os(action))
            continue

        # A player's decision.
        since_move = None
        if adapter.simultaneous:
            if os_state.current_player() != -2:
                fail(f"our player {ours_player} moves; OpenSpiel is not at a simultaneous node "
                     f"(current player {os_state.current_player()})")
            if ours_player != (0 if pending is None else 1):
                fail(f"our player {ours_player} moves, expected player {0 if pending is None else 1}")
            os_legal = sorted(os_state.legal_actions(ours_player))
        else:
            if os_state.current_player() != ours_player:
                fail(f"current player: ours {ours_player}, OpenSpiel {os_state.current_player()}")
            os_legal = sorted(os_state.legal_actions())
        ours_legal = sorted(adapter.action_to_os(ours_player, a) for a in st["legal"])
        if ours_legal != os_legal:
            missing = sorted(set(os_legal) - set(ours_legal))
            extra = sorted(set(ours_legal) - set(os_legal))
            fail(f"legal actions of player {ours_player} (mapped): ours {ours_legal}, OpenSpiel {os_legal} "
                 f"(only OpenSpiel: {missing}, only ours: {extra})")
        if partition is not None:
            theirs = adapter.os_info(os_state, ours_player)
            partition.add(ours_player, st["info"][ours_player], theirs,
                          f"history {trace['actions'][:i]} (trace {trace['index']})")
        os_action = adapter.action_to_os(ours_player, action)
        if adapter.simultaneous:
            if pending is None:
                pending = os_action
            else:
                os_state.apply_actions([pending, os_action])
                pending = None
        else:
            os_state.apply_action(os_action)
    raise Mismatch("the trace does not end at a terminal state")


def check_variant(arena, variant, num_games, seed):
    import pyspiel  # noqa: F401 (imported by run.sh's check already)

    adapter = variant.adapter
    game = adapter.load_os_game()
    partition = InfoPartition(adapter.info_both_ways)
    stats = {"steps": 0, "finished": 0}
    mismatches = []
    count = 0
    start = time.time()
    for trace in read_traces(arena, variant.ours, num_games, seed):
        count += 1
        try:
            replay_one(trace, game, adapter, partition, stats)
        except Mismatch as e:
            mismatches.append((trace, str(e)))
        except Exception as e:  # pyspiel refused an action or crashed on it
            mismatches.append((trace, f"OpenSpiel raised {type(e).__name__}: {e}"))
    elapsed = time.time() - start
    ok = True
    label = f"{variant.ours} vs OpenSpiel {adapter.os_string}"
    if num_games == mappings.ALL:
        label += " (every history)"
    for trace, what in mismatches[:MAX_REPORTS]:
        origin = f"seed {trace['seed']}" if "seed" in trace else "every history"
        print(f"DISAGREEMENT {label}\n  trace {trace['index']} ({origin}), history "
              f"{' '.join(map(str, trace['actions']))}\n  {what}")
    if mismatches:
        ok = False
        print(f"  {len(mismatches)} of {count} histories disagree")
    if partition is not None:
        for e in partition.errors[:MAX_REPORTS]:
            print(f"DISAGREEMENT {label} (information-state partition)\n  {e}")
        if partition.errors:
            ok = False
            print(f"  {len(partition.errors)} partition conflicts")
    what = "information_state vs information_state_string partition, both ways" if adapter.info_both_ways else \
        f"information_state -> {adapter.info_mode}"
    info = (f"; {what} over {partition.pairs} decision states "
            f"({len(partition.ours_to_theirs)} of ours, {len(partition.theirs_to_ours) or '-'} of theirs)")
    extra = f"; {stats['finished']} OpenSpiel-only final chance nodes" if stats["finished"] else ""
    print(f"{'ok  ' if ok else 'FAIL'} {label}: {count} histories, {stats['steps']} states compared{info}{extra} "
          f"[{elapsed:.1f} s]")
    sys.stdout.flush()
    return ok, count, stats["steps"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("game", help="our game name (a key of mappings.GAMES)")
    ap.add_argument("--arena", required=True, help="path to the arena binary")
    ap.add_argument("--games", type=int, default=0, help="histories per variant (default: the table's)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.game not in mappings.GAMES:
        print(f"unknown game {args.game}; known: {', '.join(sorted(mappings.GAMES))}")
        return 2
    arena = os.path.abspath(args.arena)
    games_known = subprocess.run([arena, "games"], capture_output=True, text=True, check=True).stdout
    if not any(line.split()[:1] == [args.game] for line in games_known.splitlines()):
        print(f"SKIP: {args.game} is not registered in {arena}")
        return mappings.SKIP
    all_ok = True
    total_h = total_s = 0
    for variant in mappings.GAMES[args.game]:
        n = variant.num_games if not args.games or variant.num_games == mappings.ALL else args.games
        ok, h, s = check_variant(arena, variant, n, args.seed)
        all_ok &= ok
        total_h += h
        total_s += s
    print(f"{args.game}: {'all variants agree' if all_ok else 'DISAGREEMENTS FOUND'} "
          f"({total_h} histories, {total_s} states)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
