#!/usr/bin/env bash
# Installs what faasd-ts needs on Debian 12 / Ubuntu 22.04+ (as root), then npm ci and the build.
# Idempotent: packages already present are not fetched again.
# Usage: scripts/setup-host.sh [--runtime-only]   (--runtime-only skips the test-only tools)
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_pkgs=(containerd runc containernetworking-plugins iproute2 iptables nats-server prometheus busybox-static)
test_pkgs=(docker-registry skopeo wrk gcc libc6-dev chromium shellcheck vagrant qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)

pkgs=("${runtime_pkgs[@]}")
if [ "${1:-}" != "--runtime-only" ]; then pkgs+=("${test_pkgs[@]}"); fi

if [ "$(id -u)" != 0 ]; then
  echo "setup-host: run as root (it installs packages with apt-get)" >&2
  exit 1
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup-host: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps the packages' own services (prometheus on :9090, nats on :4222) from starting:
  # faasd runs these binaries in its own containers.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v node >/dev/null || ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  echo "setup-host: Node.js 20 or newer is needed (apt-get install nodejs npm, or NodeSource)" >&2
  exit 1
fi

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
echo "setup-host: done"
