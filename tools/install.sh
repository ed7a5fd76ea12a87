#!/usr/bin/env bash
# Installs what Arena needs on Debian 12. Idempotent: when everything is present it only checks and returns.
#   bash tools/install.sh
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config
  catch2 libboost-dev nlohmann-json3-dev libsqlite3-dev sqlite3 libcli11-dev libfmt-dev libbenchmark-dev
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
