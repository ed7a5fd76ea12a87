#!/usr/bin/env bash
# User errors at the CLI: one clear "error:" line naming the input, exit status 1, never a crash.
set -uo pipefail
arena=$1
fails=0
expect_error() {  # expect_error "substring" args...
  local want=$1
  shift
  out=$("$arena" "$@" 2>&1)
  rc=$?
  if [[ $rc -ne 1 ]]; then
    echo "FAIL: arena $* exited $rc (want a clean error, status 1)"; fails=$((fails + 1))
  elif ! grep -qF -- "$want" <<< "$out"; then
    echo "FAIL: arena $*: output lacks '$want':"; echo "$out"; fails=$((fails + 1))
  else
    echo "ok: arena $*"
  fi
}
expect_error "unknown game 'chess9'" describe chess9
expect_error "unknown parameter 'players' for game 'kuhn_poker'" describe 'kuhn_poker(players=3)'
expect_error "invalid game string" play 'tic_tac_toe(' --agents random,random
expect_error "unknown agent 'alphago'" play tic_tac_toe --agents random,alphago
expect_error "needs 2" play tic_tac_toe --agents random
expect_error "file not found" --plugin /nonexistent.so games
expect_error "human agent: input ended" play tic_tac_toe --agents human,random < /dev/null
expect_error "--matches: must be a positive number, got '0'" play kuhn_poker --agents random,random --matches 0
expect_error "--seconds: must be a positive number, got '-1'" bench games --seconds -1
expect_error "not expected: --bogus" play kuhn_poker --bogus
expect_error "--status: must be pending, running or done, got 'finished'" matches --status finished
expect_error "--player: must be a number >= 0, got '-2'" replay --match 1 --player -2
expect_error "cannot write /nonexistent/x.json: no directory /nonexistent" eval --agent random --games kuhn_poker --json /nonexistent/x.json --no-store
expect_error "--threads: must be a number >= 0, got '-3'" tournament --games kuhn_poker --agents random,random --threads -3
expect_error "--games-per-seat: must be a positive number, got '0'" eval --agent random --games kuhn_poker -n 0
expect_error "A subcommand is required"
expect_error "unknown pipeline 'nope' (allowed: paper, code, grpo, rae)" bench kernels --pipelines code,nope
expect_error "--sizes wants TRAJECTORIESxTURNS with positive integers, as in 625000x16; got '16'" bench kernels --sizes 16
expect_error "got '0x16'" bench kernels --sizes 65536x16,0x16
expect_error "size '100000000x100' has more than 2^31 - 16 turns" bench kernels --sizes 100000000x100
expect_error "--episodes wants positive integers up to 9999999, got 'many'" bench selfplay --episodes 256,many
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ARENA_CACHE_DIR="$work/cache"
expect_error "--gauntlet 'minimax' is not one of --agents" tournament --games tic_tac_toe --agents random,mcts --gauntlet minimax --db "$work/t.db"
expect_error "unknown invalid-action policy" tournament --games tic_tac_toe --agents random --invalid-policy lenient --db "$work/t.db"
expect_error "minimax needs a perfect-information game" play kuhn_poker --agents minimax,random
expect_error "too large to enumerate" solve connect_four -i 1
expect_error "CFR needs a zero-sum game" solve iterated_prisoners_dilemma -i 1
expect_error "cannot state its action probabilities" exploitability kuhn_poker --agent mcts
expect_error "use minimax" play tic_tac_toe --agents nash,random
expect_error "not an Arena database (not an SQLite file)" ratings --db "$0"
"$arena" solve kuhn_poker -i 50 -o "$work/kuhn.json" > /dev/null
expect_error "is for game 'kuhn_poker', not 'leduc_poker'" exploitability leduc_poker --policy "$work/kuhn.json"
expect_error "cannot read policy file" play kuhn_poker --agents "policy(path=$work/missing.json),random"
expect_error "CFR needs a zero-sum game" eval --agent nash --games 'kuhn_poker,hanabi(preset=mini)' --db "$work/refused.db"
[[ ! -e "$work/refused.db" ]] || { echo "FAIL: a refused evaluation wrote a database"; fails=$((fails + 1)); }
expect_error "plays only hanabi" tournament --games kuhn_poker --agents hanabi_rules,random --db "$work/refused2.db"
# And the happy paths print what they promise.
out=$("$arena" eval --agent 'nash(target=0.01)' --games kuhn_poker,leduc_poker --opponents random -n 10 --db "$work/e.db" 2>/dev/null)
grep -q "win rate" <<< "$out" && grep -q "exploitability of nash(target=0.01) on kuhn_poker" <<< "$out" &&
  grep -q "stored as eval run" <<< "$out" || { echo "FAIL: eval output"; echo "$out"; fails=$((fails + 1)); }
"$arena" ratings --db "$work/e.db" | grep -q "run 1 (eval" || { echo "FAIL: ratings of an eval run"; fails=$((fails + 1)); }
# At rest the database is one file: reading it leaves no -wal or -shm beside it.
[[ ! -e "$work/e.db-wal" && ! -e "$work/e.db-shm" ]] || { echo "FAIL: -wal/-shm files left beside e.db"; fails=$((fails + 1)); }
"$arena" games | grep -q "leduc_poker" || { echo "FAIL: games"; fails=$((fails + 1)); }
"$arena" describe kuhn_poker | grep -q "RULES" || { echo "FAIL: describe"; fails=$((fails + 1)); }
a=$("$arena" play leduc_poker --seed 5 --matches 3)
b=$("$arena" play leduc_poker --seed 5 --matches 3)
[[ "$a" == "$b" ]] || { echo "FAIL: same seed gave different matches"; fails=$((fails + 1)); }
echo "$fails failure(s)"
exit $((fails > 0))
