#!/usr/bin/env bash
# Installs what Arena needs on Debian 12. Idempotent: when everything is present it only checks and returns.
#   bash tools/install.sh
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config
  catch2 libboost-dev nlohmann-json3-dev libsqlite3-dev sqlite3 libcli11-dev libfmt-dev libbenchmark-dev
  python3 python3-venv
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install.sh: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
else
  echo "install.sh: Debian packages present"
fi

# The differential tests against OpenSpiel (tests/openspiel/, label `openspiel`) and tools/bench_vs_openspiel.py use a
# project-local virtual environment .venv with pyspiel. Without it those tests skip; the rest of Arena does not need it.
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
if "$venv/bin/python" -c "import pyspiel, numpy" 2>/dev/null; then
  echo "install.sh: .venv with open_spiel present"
else
  echo "install.sh: creating .venv with open_spiel 2.0.2 and numpy"
  if [[ ! -x "$venv/bin/python" ]]; then
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv"
  fi
  if ! "$venv/bin/python" -m pip install -q --disable-pip-version-check "open_spiel==2.0.2" numpy \
      || ! "$venv/bin/python" -c "import pyspiel, numpy"; then
    echo "install.sh: warning: open_spiel could not be installed into .venv; the openspiel tests will skip" >&2
  fi
fi
