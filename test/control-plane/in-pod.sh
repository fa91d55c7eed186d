#!/usr/bin/env bash
# Runs a command as a Pod's container sees its ServiceAccount, for programs that only know in-cluster config (as
# Bitnami's controller): started by test/control-plane/bitnami.ts inside a private mount namespace (`unshare
# --mount`), it puts a tmpfs over /run (/var/run links to it) holding /run/secrets/kubernetes.io/serviceaccount/
# {token,ca.crt,namespace}, then execs the command. The token comes on stdin and lives only in that tmpfs, which
# goes away with the process. KUBERNETES_SERVICE_HOST/PORT come from the caller's environment.
#   unshare --mount in-pod.sh CA_FILE NAMESPACE COMMAND [ARG...] <token
set -euo pipefail
ca=$1 namespace=$2
shift 2
ca_pem=$(cat -- "$ca") # read before /run is covered, in case the file lives there
mount -t tmpfs -o mode=0755,size=1m in-pod /run
sa=/run/secrets/kubernetes.io/serviceaccount
mkdir -p "$sa"
(umask 077 && cat >"$sa/token")
printf '%s\n' "$ca_pem" >"$sa/ca.crt"
printf '%s' "$namespace" >"$sa/namespace"
exec "$@" </dev/null
