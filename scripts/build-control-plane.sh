#!/usr/bin/env bash
# Builds the pinned kube-apiserver, kube-controller-manager, kubectl, etcd and the node's kubelet and kube-scheduler
# from their Go modules (test/control-plane/*/go.mod) into a cache outside the clone, and prints that folder.
# A second run finds the binaries and returns at once; only the first run on a machine pays for the build.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
modules="$root/test/control-plane"
k8s_version=$(awk '/^require k8s.io\/kubernetes /{print $3}' "$modules/kubernetes/go.mod")
etcd_version=$(awk '/^require go.etcd.io\/etcd\/server\/v3 /{print $3}' "$modules/etcd/go.mod")
source "$root/scripts/lib/go-build.sh"
GO_BUILD_LOG_PREFIX=control-plane
bin="$(go_build_cache)/k8s-$k8s_version-etcd-$etcd_version"
commands=(kube-apiserver kube-controller-manager kubectl kubelet kube-scheduler etcd)

log() { go_build_log "$*"; }

have_all() {
  local c
  for c in "${commands[@]}"; do [ -x "$bin/$c" ] || return 1; done
}

if have_all; then echo "$bin"; exit 0; fi
go_build_lock "$bin.lock"
if have_all; then echo "$bin"; exit 0; fi

mkdir -p "$bin"
start=$(date +%s)
minor=${k8s_version#v1.}; minor=${minor%%.*}
version_flags="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $p.gitVersion=$k8s_version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done
for c in kube-apiserver kube-controller-manager kubectl kubelet kube-scheduler; do
  [ -x "$bin/$c" ] || go_build "$modules/kubernetes" "$bin/$c" "k8s.io/kubernetes/cmd/$c" "$version_flags"
done
[ -x "$bin/etcd" ] || go_build "$modules/etcd" "$bin/etcd" "go.etcd.io/etcd/server/v3" "-s -w"
log "built in $(( $(date +%s) - start ))s into $bin"
echo "$bin"
