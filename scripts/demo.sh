#!/usr/bin/env bash
# The main job end to end on a local control plane (README: `npm run demo`): build, start etcd + kube-apiserver +
# kube-controller-manager on 127.0.0.1, install the CRDs, run the controller, seal a Secret with `kubectl seal`
# into a Git repository, apply it, and show the unsealed Secret, the status and the audit Events. Everything it
# starts is stopped and deleted at the end (also on Ctrl-C).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/ensure-deps.sh # a fresh clone: Debian packages and npm ci
export PATH="$root/node_modules/.bin:$PATH" # the project's pinned Node 24
npm run --silent build
exec node scripts/demo.ts "$@"
