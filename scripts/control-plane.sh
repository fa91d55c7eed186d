#!/usr/bin/env bash
# Local Kubernetes control plane for development and tests.
#   scripts/control-plane.sh build   build (or find in the cache) the pinned binaries; prints their folder
#   scripts/control-plane.sh run     start etcd + kube-apiserver + kube-controller-manager on 127.0.0.1, print how
#                                    to use them, stop and delete everything on Ctrl-C (npm run cluster)
#   scripts/control-plane.sh run --node   the same plus one real node (containerd, kubelet, kube-scheduler) with the
#                                    controller image imported (npm run cluster -- --node, or KUBECTL_SEAL_NODE=1)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$root/node_modules/.bin:$PATH" # the project's pinned Node 24
case "${1:-}" in
  build) exec bash "$root/scripts/build-control-plane.sh" ;;
  run) shift; exec node "$root/test/control-plane/cli.ts" "$@" ;;
  *) echo "usage: $0 build|run [--node]" >&2; exit 2 ;;
esac
