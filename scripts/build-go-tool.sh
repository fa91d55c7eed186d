#!/usr/bin/env bash
# Builds pinned Go commands the tests and the benchmark run beside ours (helm, krew, gitleaks, Bitnami's controller
# and kubeseal, ...) and prints each binary's path, one per line. Each tool is a module folder test/tools/NAME/
# whose go.mod and go.sum pin it, with a file `commands` holding one line per binary: `BINARY PACKAGE [LDFLAGS]`.
# Binaries go to the shared cache (scripts/lib/go-build.sh), in a folder named after a hash of those files, so a pin
# change builds anew and every later run returns at once.
#   scripts/build-go-tool.sh NAME...
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/lib/go-build.sh"
GO_BUILD_LOG_PREFIX=go-tool

[ $# -gt 0 ] || { echo "usage: $0 NAME... (a folder under test/tools/)" >&2; exit 2; }
for name in "$@"; do
  dir="$root/test/tools/$name"
  [ -f "$dir/go.mod" ] && [ -f "$dir/commands" ] || { go_build_log "error: test/tools/$name needs go.mod and commands"; exit 2; }
  hash=$(cat "$dir/go.mod" "$dir/go.sum" "$dir/commands" 2>/dev/null | sha256sum | cut -c1-12)
  bin="$(go_build_cache)/tools/$name-$hash"
  locked=""
  while read -r binary pkg ldflags; do
    [ -n "$binary" ] || continue
    if [ ! -x "$bin/$binary" ] && [ -z "$locked" ]; then go_build_lock "$bin.lock"; locked=1; fi
    [ -x "$bin/$binary" ] || go_build "$dir" "$bin/$binary" "$pkg" "-s -w $ldflags" </dev/null
    echo "$bin/$binary"
  done <"$dir/commands"
done
