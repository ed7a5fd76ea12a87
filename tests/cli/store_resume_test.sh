#!/usr/bin/env bash
# Same seed => identical database contents whatever --threads is; a tournament killed with SIGKILL at an arbitrary
# moment and restarted with --resume finishes without losing or duplicating a match, passes PRAGMA
# integrity_check, and ends with the same contents as an uninterrupted run.
set -euo pipefail
arena=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--games 'tic_tac_toe,kuhn_poker,connect_four' --agents 'random,mcts(sims=1000)' -n 30 --seed 11)

# Everything but wall-clock columns (times, latencies), in a fixed order.
dump() {
  sqlite3 "$1" "SELECT id, run_id, idx, game, seed, status, returns, outcome, num_turns FROM matches ORDER BY id;
                SELECT match_id, seat, agent_id FROM seats ORDER BY match_id, seat;
                SELECT id, spec FROM agents ORDER BY id;
                SELECT match_id, ply, player, action, action_text, observation, rewards, logprob, raw_response, retries
                  FROM turns ORDER BY match_id, ply;"
}

"$arena" tournament "${args[@]}" --threads 1 --db "$work/one.db" > /dev/null 2>&1
"$arena" tournament "${args[@]}" --threads 2 --db "$work/two.db" > /dev/null 2>&1
if ! diff <(dump "$work/one.db") <(dump "$work/two.db") > "$work/diff.txt"; then
  echo "FAIL: --threads 1 and --threads 2 stored different contents"; head -20 "$work/diff.txt"; exit 1
fi
total=$(sqlite3 "$work/one.db" "SELECT count(*) FROM matches")
echo "ok: $total matches, identical contents with 1 and 2 threads"

# Kill at several moments; resume each time until the run is done.
for delay in 0.05 0.3 0.6; do
  rm -f "$work/killed.db"*
  "$arena" tournament "${args[@]}" --db "$work/killed.db" > /dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  before=$(sqlite3 "$work/killed.db" "SELECT count(*) FROM matches WHERE status='done'" 2> /dev/null || echo 0)
  unfinished=$(sqlite3 "$work/killed.db" "SELECT count(*) FROM runs WHERE status!='done'" 2> /dev/null || echo none)
  finished=$(sqlite3 "$work/killed.db" "SELECT count(*) FROM runs WHERE status='done'" 2> /dev/null || echo none)
  if [[ "$unfinished" == 1 ]]; then
    "$arena" tournament "${args[@]}" --db "$work/killed.db" --resume > /dev/null 2>&1
  elif [[ "$finished" == 1 ]]; then
    echo "note: the run finished within ${delay}s, before the kill"
  else
    # Killed before the run was even created: start it again.
    rm -f "$work/killed.db"*
    "$arena" tournament "${args[@]}" --db "$work/killed.db" > /dev/null 2>&1
  fi
  check=$(sqlite3 "$work/killed.db" "PRAGMA integrity_check")
  [[ "$check" == "ok" ]] || { echo "FAIL: integrity_check after kill at ${delay}s: $check"; exit 1; }
  done_count=$(sqlite3 "$work/killed.db" "SELECT count(*) FROM matches WHERE status='done'")
  runs=$(sqlite3 "$work/killed.db" "SELECT count(*) FROM runs")
  [[ "$done_count" == "$total" && "$runs" == 1 ]] || {
    echo "FAIL: after kill at ${delay}s and resume: $done_count/$total done, $runs runs"; exit 1; }
  if ! diff <(dump "$work/one.db") <(dump "$work/killed.db") > "$work/diff.txt"; then
    echo "FAIL: resumed run differs from an uninterrupted one"; head -20 "$work/diff.txt"; exit 1
  fi
  echo "ok: killed after ${delay}s with $before/$total done; resumed to $total/$total, integrity ok, same contents"
done
# Resuming a finished run is refused clearly.
if out=$("$arena" tournament "${args[@]}" --db "$work/one.db" --resume 2>&1); then
  echo "FAIL: resumed a finished run"; exit 1
fi
grep -q "no unfinished tournament" <<< "$out" || { echo "FAIL: unclear resume error: $out"; exit 1; }
echo "1 passed, 0 failed"
