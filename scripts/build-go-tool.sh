#!/usr/bin/env bash
# Builds pinned Go commands the tests and the benchmark compare against or install with (helm, krew, gitleaks, ...)
# and prints each binary's path, one per line. Each tool is a module folder test/tools/NAME/ whose go.mod and go.sum
# pin it, with a file `package` holding the Go package to build (and optionally a second line of -ldflags).
# The binary goes to the shared cache (scripts/lib/go-build.sh), in a folder named after a hash of those files, so
# a pin change builds anew and every later run returns at once.
#   scripts/build-go-tool.sh NAME...
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/lib/go-build.sh"
GO_BUILD_LOG_PREFIX=go-tool

[ $# -gt 0 ] || { echo "usage: $0 NAME... (a folder under test/tools/)" >&2; exit 2; }
for name in "$@"; do
  dir="$root/test/tools/$name"
  [ -f "$dir/go.mod" ] && [ -f "$dir/package" ] || { go_build_log "error: test/tools/$name needs go.mod and package"; exit 2; }
  hash=$(cat "$dir/go.mod" "$dir/go.sum" "$dir/package" 2>/dev/null | sha256sum | cut -c1-12)
  out="$(go_build_cache)/tools/$name-$hash/$name"
  if [ ! -x "$out" ]; then
    go_build_lock "$out.lock"
  fi
  if [ ! -x "$out" ]; then
    pkg=$(sed -n 1p "$dir/package")
    ldflags=$(sed -n 2p "$dir/package")
    go_build "$dir" "$out" "$pkg" "-s -w $ldflags"
  fi
  echo "$out"
done
