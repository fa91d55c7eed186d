#!/usr/bin/env bash
# Builds every release artefact from a clean checkout of a commit (default HEAD) into one folder:
#   kubectl-seal-VERSION-TARGET.tar.gz|.zip (+ .sha256)   the single executable per platform (scripts/dist.ts)
#   plugins/seal.yaml                                     the krew manifest for those archives
#   kubectl-seal-VERSION.tgz (+ .sha256)                  the npm package (`npm pack`)
#   SHA256SUMS                                            all of the above
# A platform whose Node is not in the npm registry at the pinned version is left out and named on stderr.
#   scripts/release.sh [--out DIR] [--ref COMMIT] [--base-url URL]
# --base-url is where the archives will be downloaded from (the krew manifest's URLs); default: the GitHub release
# of the package version. Needs git, npm, tar, gzip, zip and network access to the npm registry.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$root/release-artifacts
ref=HEAD
base_url=""
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --ref) ref=$2; shift 2 ;;
    --base-url) base_url=$2; shift 2 ;;
    *) echo "usage: $0 [--out DIR] [--ref COMMIT] [--base-url URL]" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ -n "$(ls -A "$out")" ]; then echo "release: error: $out is not empty: give an empty or new folder with --out" >&2; exit 2; fi

# A clean checkout: exactly the committed files of $ref, nothing from this working tree.
checkout=$(mktemp -d "${TMPDIR:-/tmp}/kubectl-seal-release.XXXXXX")
trap 'rm -rf -- "$checkout"' EXIT
git -C "$root" archive --format=tar "$ref" | tar -x -C "$checkout"
cd "$checkout"
npm ci --no-audit --no-fund
export PATH="$checkout/node_modules/.bin:$PATH" # the pinned Node: the executables' blobs are made by it
npm run build

node scripts/dist.ts --targets all --out "$out" ${base_url:+--base-url "$base_url"}
npm pack --ignore-scripts --silent --pack-destination "$out" >/dev/null
(cd "$out" && for f in *.tgz; do sha256sum "$f" >"$f.sha256"; done)
(cd "$out" && sha256sum kubectl-seal-* plugins/seal.yaml | grep -v '\.sha256$' >SHA256SUMS)
echo "release: artefacts in $out:" >&2
ls -1 "$out" >&2
