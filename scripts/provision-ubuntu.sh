#!/usr/bin/env bash
# Installs faasd-ts on a bare Ubuntu 22.04+/24.04 (or Debian 12) host with systemd, as root:
# host packages, the single-file faasd executable, containerd, `faasd install` (which enables and starts
# faasd.service: the one daemon, and removes an older faasd-provider.service). The Vagrant VM is
# provisioned with this same script.
# Usage: provision-ubuntu.sh [PATH_TO_faasd-linux-ARCH]   (default: dist/release/faasd-linux-<arch>)
set -euo pipefail

if [ "$(id -u)" != 0 ]; then echo "provision: run as root" >&2; exit 1; fi
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) echo "provision: $(uname -m) has no faasd executable (see README: armhf)" >&2; exit 1 ;;
esac
here=$(cd "$(dirname "$0")/.." && pwd)
exe=${1:-$here/dist/release/faasd-linux-$arch}
if [ ! -x "$exe" ]; then
  echo "provision: $exe not found: build it with scripts/release.sh $arch (on any Linux host with npm)" >&2
  exit 1
fi
sums="$(dirname "$exe")/SHA256SUMS"
if [ -f "$sums" ]; then
  (cd "$(dirname "$exe")" && grep " $(basename "$exe")\$" SHA256SUMS | sha256sum -c --quiet -)
fi

export DEBIAN_FRONTEND=noninteractive
# Keep the packages' own prometheus and nats services from starting: faasd runs these binaries itself.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  containerd runc containernetworking-plugins iproute2 iptables nats-server prometheus busybox-static ca-certificates curl
systemctl disable --now prometheus.service nats-server.service 2>/dev/null || true

install -m 0755 "$exe" /usr/local/bin/faasd
systemctl enable --now containerd
/usr/local/bin/faasd install

echo "provision: waiting for the gateway on :8080"
for _ in $(seq 1 150); do
  if curl -fsS -o /dev/null http://127.0.0.1:8080/healthz; then break; fi
  sleep 2
done
curl -fsS http://127.0.0.1:8080/healthz >/dev/null
echo "provision: faasd is up. User admin, password in /var/lib/faasd/secrets/basic-auth-password"
