#!/usr/bin/env bash
# Runs one of the OpenSpiel tests with the project's .venv python:  run.sh PYTHON SCRIPT ARGS...
# Exits 77 (the tests' SKIP_RETURN_CODE) with a message when PYTHON is missing or cannot import pyspiel.
set -uo pipefail
py=$1
shift
if [[ ! -x "$py" ]] || ! "$py" -c "import pyspiel" > /dev/null 2>&1; then
  echo "SKIP: $py cannot import pyspiel; run 'bash tools/install.sh' to create .venv with open_spiel"
  exit 77
fi
cd "$(dirname "$0")"
exec "$py" "$@"
