# Sourced by the scripts that build pinned Go commands (build-control-plane.sh, build-go-tool.sh).
# go_build DIR OUTPUT PACKAGE LDFLAGS: `go build -trimpath` PACKAGE inside the module folder DIR into OUTPUT,
# atomically (OUTPUT appears only once complete), reporting progress on stderr as "NAME: 650/2030 packages compiled".
# `go build -v` names each package as it compiles it; count them against the package graph (packages already in
# Go's build cache are not named, so a binary may finish before reaching the total).

go_build_log() { echo "${GO_BUILD_LOG_PREFIX:-build}: $*" >&2; }

go_build() {
  local dir=$1 out=$2 pkg=$3 ldflags=$4 total done=0 name
  name=$(basename "$out")
  command -v go >/dev/null || { go_build_log "error: the Go toolchain is needed to build $name; install Go 1.26 or newer"; return 1; }
  mkdir -p "$(dirname "$out")"
  total=$(cd "$dir" && go list -deps "$pkg" | wc -l)
  go_build_log "building $name ($total packages)"
  (cd "$dir" && go build -trimpath -v -ldflags "$ldflags" -o "$out.tmp.$$" "$pkg" 2>&1) | while read -r line; do
    done=$((done + 1))
    if [ $((done % 50)) -eq 0 ]; then go_build_log "  $name: $done/$total packages compiled"; fi
    # `go build -v` prints bare package paths (some named ".../errors"); only these lines are diagnostics.
    case "$line" in *.go:*|"#"*|go:*) echo "$line" >&2 ;; esac
  done
  [ "${PIPESTATUS[0]}" -eq 0 ] && [ -x "$out.tmp.$$" ] || { go_build_log "error: building $pkg failed (see above)"; return 1; }
  mv "$out.tmp.$$" "$out"
}

# The cache every pinned binary goes to (outside the clone, shared by clones and CI runs on one machine).
go_build_cache() { echo "${KUBECTL_SEAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-seal}"; }

# go_build_lock FILE: hold an exclusive lock on FILE for the rest of the calling script, so that two test runs or
# helpers starting at once build a binary once (the second waits, then finds it).
go_build_lock() {
  mkdir -p "$(dirname "$1")"
  exec {go_build_lock_fd}>"$1"
  flock "$go_build_lock_fd"
}
