#!/usr/bin/env bash
# Watchdog for one local control plane, started detached (own session, so Ctrl-C does not reach it).
# The starting Node process keeps our stdin open and writes "+PID" / "-PID" lines for every process group it
# starts or has stopped. When stdin closes (normal stop, crash, SIGINT, SIGKILL of the parent alike), every
# group still listed is terminated, the test node's containers and cgroups are removed and the state folder is removed, so nothing outlives a test run.
set -u
dir=$1
groups=() # in start order; stopped newest first (controllers before the API server before etcd)
while IFS= read -r line; do
  case "$line" in
    +*) groups+=("${line#+}") ;;
    -*) for i in "${!groups[@]}"; do [ "${groups[$i]}" = "${line#-}" ] && unset "groups[$i]"; done ;;
  esac
done
# A process that exited but was not yet reaped by init (zombie) counts as gone: some inits reap late.
running() {
  local stat
  { read -r stat </proc/"$1"/stat; } 2>/dev/null || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}
ids=("${!groups[@]}")
for ((n = ${#ids[@]} - 1; n >= 0; n--)); do
  g=${groups[${ids[$n]}]}
  kill -TERM -- "-$g" 2>/dev/null || continue
  for _ in $(seq 50); do running "$g" || break; sleep 0.1; done # up to 5s, ends once it exited
  kill -KILL -- "-$g" 2>/dev/null
done
# The test node's containers outlive containerd and its cgroups outlive them: node-teardown.sh removes both.
case "$dir" in */kubectl-seal-bitnami-*) rm -rf -- "$dir" ;; */kubectl-seal-cp-*) bash "$(dirname "${BASH_SOURCE[0]}")/node-teardown.sh" "$dir/node"; rm -rf -- "$dir" ;; esac
