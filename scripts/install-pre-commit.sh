#!/usr/bin/env bash
# Installs the pre-commit framework (PyPI, versions pinned in test/tools/pre-commit/requirements.txt) into a private
# virtualenv in the shared cache, ~/.cache/kubectl-seal/pre-commit-<version>-<hash of the pins>/, and prints the
# path of its `pre-commit` command. Later runs find it and return at once; concurrent runs install once (the others
# wait for the lock). Needs python3 with the venv module (Debian: python3-venv) and access to PyPI.
#   scripts/install-pre-commit.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
requirements="$root/test/tools/pre-commit/requirements.txt"
cache="${KUBECTL_SEAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-seal}"
version=$(sed -n 's/^pre-commit==//p' "$requirements")
venv="$cache/pre-commit-$version-$(sha256sum "$requirements" | cut -c1-12)"
log() { echo "install-pre-commit: $*" >&2; }

# The marker is written last: a venv without it is a run that died half way, and is made again.
if [ ! -f "$venv/.installed" ]; then
  mkdir -p "$cache"
  exec {lock}>"$venv.lock"
  flock "$lock"
  if [ ! -f "$venv/.installed" ]; then
    command -v python3 >/dev/null || { log "error: python3 is needed (Debian: apt-get install python3 python3-venv)"; exit 1; }
    log "installing pre-commit $version into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" || { log "error: python3 -m venv failed: install the venv module (Debian: apt-get install python3-venv)"; exit 1; }
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements" >&2
    touch "$venv/.installed"
  fi
fi
echo "$venv/bin/pre-commit"
