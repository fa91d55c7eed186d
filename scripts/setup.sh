#!/usr/bin/env bash
# Installs the Debian packages kubectl-seal's tests and docs rely on. Idempotent: apt-get runs only when
# something is missing, and `apt-get update` runs once, first. Other parts of the project append packages below.
set -euo pipefail

# command-name:debian-package
NEEDED=(
  "age:age"            # interop tests: the standard age CLI decrypts what we seal (Debian's age 1.1.x: X25519 only)
  "age-keygen:age"
  "openssl:openssl"
  # npm run image (scripts/build-image.sh): OCI images without a container engine
  "umoci:umoci"
  "skopeo:skopeo"
  # the test node (test/control-plane/node.ts): runtime, OCI runtime, the loopback CNI plugin
  "containerd:containerd"
  "ctr:containerd"
  "runc:runc"
  "/usr/lib/cni/loopback:containernetworking-plugins"
  "python3:python3"  # the scan bench's peak RSS, and the pre-commit framework test's venv (below)
)

missing=()
for entry in "${NEEDED[@]}"; do
  command="${entry%%:*}"
  package="${entry#*:}"
  if ! command -v "$command" >/dev/null 2>&1; then
    case " ${missing[*]-} " in *" $package "*) ;; *) missing+=("$package") ;; esac
  fi
done
# scripts/install-pre-commit.sh makes a venv: Debian's python3 has no venv module without python3-venv, and a
# present python3 command says nothing about it, so ask Python itself.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then # also when python3 itself is missing
  missing+=("python3-venv")
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
