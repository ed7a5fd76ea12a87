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
  if [[ $rc -eq 0 || $rc -ge 128 ]]; then
    echo "FAIL: arena $* exited $rc (want a clean error)"; fails=$((fails + 1))
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
# And the happy paths print what they promise.
"$arena" games | grep -q "leduc_poker" || { echo "FAIL: games"; fails=$((fails + 1)); }
"$arena" describe kuhn_poker | grep -q "RULES" || { echo "FAIL: describe"; fails=$((fails + 1)); }
a=$("$arena" play leduc_poker --seed 5 --matches 3)
b=$("$arena" play leduc_poker --seed 5 --matches 3)
[[ "$a" == "$b" ]] || { echo "FAIL: same seed gave different matches"; fails=$((fails + 1)); }
echo "$fails failure(s)"
exit $((fails > 0))
