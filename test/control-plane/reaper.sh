#!/usr/bin/env bash
# Watchdog for one local control plane, started detached (own session, so Ctrl-C does not reach it).
# The starting Node process keeps our stdin open and writes "+PID" / "-PID" lines for every process group it
# starts or has stopped. When stdin closes (normal stop, crash, SIGINT, SIGKILL of the parent alike), every
# group still listed is terminated and the state folder is removed, so nothing outlives a test run.
set -u
dir=$1
declare -A groups=()
while IFS= read -r line; do
  case "$line" in
    +*) groups[${line#+}]=1 ;;
    -*) unset "groups[${line#-}]" ;;
  esac
done
alive() { local g; for g in "${!groups[@]}"; do kill -0 -- "-$g" 2>/dev/null && return 0; done; return 1; }
if [ "${#groups[@]}" -gt 0 ]; then
  for g in "${!groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
  for _ in $(seq 100); do alive || break; sleep 0.1; done # grace period: up to 10s, ends as soon as all exited
  for g in "${!groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done
fi
case "$dir" in */kubectl-seal-cp-*) rm -rf -- "$dir" ;; esac
