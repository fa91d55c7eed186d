#!/usr/bin/env bash
# Runs the test node's containerd and kubelet in one private mount namespace (started by node.ts as
# `unshare -m --propagation private bash node-namespace.sh DIR`), so that nothing they write outside DIR reaches the
# host and no host setting changes:
#   - /var/lib, /var/log and /run become overlays whose writes land in DIR/overlay: the paths the kubelet and
#     containerd hard-code (/var/lib/kubelet/device-plugins, /var/log/containers, /var/lib/cni, /run/containerd/s)
#     are private while the host's files stay readable.
#   - the kubelet's protectKernelDefaults only checks these sysctls; files holding the values it expects are
#     bind-mounted over them here instead of changing the host.
# Then: containerd, its images imported from DIR/images (nothing is pulled), and the kubelet in the foreground.
# The pod mounts the kubelet makes (Secrets, emptyDirs) live in this namespace, which containerd and runc share.
set -euo pipefail
dir=$1
shift # the rest: the kubelet command line
log() { echo "node-namespace: $*" >&2; }

for path in /var/lib /var/log /run; do
  name=${path//\//-}
  mkdir -p "$dir/overlay/$name/upper" "$dir/overlay/$name/work"
  mount -t overlay overlay -o "lowerdir=$path,upperdir=$dir/overlay/$name/upper,workdir=$dir/overlay/$name/work" "$path"
done
mkdir -p /var/lib/kubelet/device-plugins /var/log/containers /run/containerd
declare -A sysctls=([vm/overcommit_memory]=1 [vm/panic_on_oom]=0 [kernel/panic]=10 [kernel/panic_on_oops]=1
  [kernel/keys/root_maxkeys]=1000000 [kernel/keys/root_maxbytes]=25000000)
mkdir -p "$dir/sysctl"
for key in "${!sysctls[@]}"; do
  file="$dir/sysctl/${key//\//.}"
  echo "${sysctls[$key]}" >"$file"
  mount --bind "$file" "/proc/sys/$key"
done

pids=()
stop() {
  trap - TERM INT
  # The kubelet first (it stops reporting the node), then containerd; node-teardown.sh removes the containers.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; wait "${pids[$i]}" 2>/dev/null || true; done
  exit 0
}
trap stop TERM INT

socket="$dir/containerd/containerd.sock"
containerd --config "$dir/containerd/config.toml" >>"$dir/logs/containerd.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
  ctr --address "$socket" version >/dev/null 2>&1 && break
  kill -0 "${pids[0]}" 2>/dev/null || { log "containerd exited; see $dir/logs/containerd.log"; exit 1; }
  sleep 0.1
done
for image in "$dir"/images/*.tar; do
  ctr --address "$socket" -n k8s.io images import "$image" >&2
done
ctr --address "$socket" -n k8s.io images ls -q >&2

"$@" >>"$dir/logs/kubelet.log" 2>&1 &
pids+=($!)
wait -n "${pids[@]}" || true
log "containerd or the kubelet exited; see $dir/logs/"
stop
