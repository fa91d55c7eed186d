#!/usr/bin/env bash
# Builds the pinned kube-apiserver, kube-controller-manager, kubectl and etcd from their Go modules
# (test/control-plane/*/go.mod) into a cache outside the clone, and prints that folder.
# A second run finds the binaries and returns at once; only the first run on a machine pays for the build.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
modules="$root/test/control-plane"
k8s_version=$(awk '/^require k8s.io\/kubernetes /{print $3}' "$modules/kubernetes/go.mod")
etcd_version=$(awk '/^require go.etcd.io\/etcd\/server\/v3 /{print $3}' "$modules/etcd/go.mod")
bin="${KUBECTL_SEAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-seal}/k8s-$k8s_version-etcd-$etcd_version"
commands=(kube-apiserver kube-controller-manager kubectl etcd)

log() { echo "control-plane: $*" >&2; }

have_all() {
  local c
  for c in "${commands[@]}"; do [ -x "$bin/$c" ] || return 1; done
}

if have_all; then echo "$bin"; exit 0; fi
command -v go >/dev/null || { log "error: the Go toolchain is needed to build the control plane; install Go 1.26 or newer"; exit 1; }

# Progress: `go build -v` names each package as it compiles it; count them against the package graph
# (packages already in Go's build cache are not named, so a binary may finish before reaching the total).
build() { # build DIR OUTPUT PACKAGE LDFLAGS
  local dir=$1 out=$2 pkg=$3 ldflags=$4 total done=0
  total=$(cd "$dir" && go list -deps "$pkg" | wc -l)
  log "building $(basename "$out") ($total packages)"
  (cd "$dir" && go build -trimpath -v -ldflags "$ldflags" -o "$out.tmp" "$pkg" 2>&1) | while read -r line; do
    done=$((done + 1))
    if [ $((done % 50)) -eq 0 ]; then log "  $(basename "$out"): $done/$total packages compiled"; fi
    # `go build -v` prints bare package paths (some named ".../errors"); only these lines are diagnostics.
    case "$line" in *.go:*|"#"*|go:*) echo "$line" >&2 ;; esac
  done
  [ "${PIPESTATUS[0]}" -eq 0 ] && [ -x "$out.tmp" ] || { log "error: building $pkg failed (see above)"; return 1; }
  mv "$out.tmp" "$out"
}

mkdir -p "$bin"
start=$(date +%s)
minor=${k8s_version#v1.}; minor=${minor%%.*}
version_flags="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $p.gitVersion=$k8s_version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done
for c in kube-apiserver kube-controller-manager kubectl; do
  [ -x "$bin/$c" ] || build "$modules/kubernetes" "$bin/$c" "k8s.io/kubernetes/cmd/$c" "$version_flags"
done
[ -x "$bin/etcd" ] || build "$modules/etcd" "$bin/etcd" "go.etcd.io/etcd/server/v3" "-s -w"
log "built in $(( $(date +%s) - start ))s into $bin"
echo "$bin"
