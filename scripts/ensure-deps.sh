#!/usr/bin/env bash
# Run before `npm test`, `npm run test:unit` and `npm run demo` (npm's pre-scripts): on a fresh clone these are the
# only set-up commands a newcomer needs, so they install what is missing: the Debian packages (scripts/setup.sh)
# and the npm dependencies (npm ci, which also builds). Quick no-ops once everything is there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh >&2
if [ ! -x node_modules/.bin/tsc ] || [ ! -x node_modules/node/bin/node ]; then
  echo "ensure-deps: node_modules is missing; running npm ci" >&2
  npm ci
fi
