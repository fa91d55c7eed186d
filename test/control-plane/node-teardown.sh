#!/usr/bin/env bash
# Removes what the test node leaves once its kubelet and containerd are stopped (node.ts's stop() and reaper.sh
# both run it): containerd does not stop containers when it exits, so every process in the node's cgroups is killed,
# then the shims (their command line names DIR), then the cgroups the node made are removed. Needs no running daemon.
# Usage: node-teardown.sh DIR   (DIR/cgroup-root names the node's cgroup, e.g. /kubectl-seal-node-1a2b3c)
set -u
dir=$1
[ -f "$dir/cgroup-root" ] || exit 0
cgroup=$(cat "$dir/cgroup-root")
case "$cgroup" in /kubectl-seal-node-*) ;; *) echo "node-teardown: refusing cgroup '$cgroup'" >&2; exit 1 ;; esac

# PIDs of processes whose command line mentions DIR (the shims: -address DIR/containerd/containerd.sock).
mentioning_dir() {
  local f arg
  for f in /proc/[0-9]*/cmdline; do
    while IFS= read -r -d '' arg; do
      if [[ $arg == *"$dir/"* ]]; then f=${f#/proc/}; echo "${f%/cmdline}"; break; fi
    done <"$f" 2>/dev/null || true
  done
}
in_cgroups() { cat /sys/fs/cgroup/*"$cgroup"/cgroup.procs /sys/fs/cgroup/*"$cgroup"/*/cgroup.procs 2>/dev/null; find /sys/fs/cgroup/*"$cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null; }

for _ in $(seq 100); do
  pids=$( { in_cgroups; mentioning_dir; } | sort -u)
  [ -z "$pids" ] && break
  for pid in $pids; do [ "$pid" != "$$" ] && kill -KILL "$pid" 2>/dev/null; done
  sleep 0.1
done
# Depth first: a cgroup can be removed once its children are gone and it holds no process.
for _ in $(seq 50); do
  left=$(find /sys/fs/cgroup/*"$cgroup" -depth -type d 2>/dev/null)
  [ -z "$left" ] && exit 0
  while IFS= read -r d; do rmdir "$d" 2>/dev/null; done <<<"$left"
  sleep 0.1
done
echo "node-teardown: cgroups left: $(find /sys/fs/cgroup/*"$cgroup" -depth -type d 2>/dev/null | tr '\n' ' ')" >&2
exit 1
