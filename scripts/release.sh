#!/usr/bin/env bash
# Builds the single-file faasd executables (Node single executable applications) for linux x86_64 and
# arm64 into dist/release/, with sha256 sums. Node comes from the npm registry's platform packages,
# pinned to one LTS release present for both architectures.
# Usage: scripts/release.sh [amd64|arm64 ...]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
node_version=24.21.0
archs=("$@")
[ "${#archs[@]}" -gt 0 ] || archs=(amd64 arm64)
out=dist/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm run build --silent
node scripts/sea-bundle.mjs "$work/sea"

fetch_node() { # npm arch name -> path of that node binary
  local npm_arch=$1 dir="$work/node-$1"
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "node-linux-$npm_arch@$node_version" >/dev/null && tar -xzf ./*.tgz)
  echo "$dir/package/bin/node"
}

# The blob is made by the same Node release it is injected into; code cache and snapshot are off, so
# one blob serves both architectures. It is made with the node that runs on this host.
host_arch=$(uname -m)
case "$host_arch" in x86_64) builder=$(fetch_node x64) ;; aarch64) builder=$(fetch_node arm64) ;; *) echo "release: unsupported host $host_arch" >&2; exit 1 ;; esac
"$builder" --experimental-sea-config "$work/sea/sea-config.json"

mkdir -p "$out"
for arch in "${archs[@]}"; do
  case "$arch" in amd64) npm_arch=x64 ;; arm64) npm_arch=arm64 ;; *) echo "release: unknown arch $arch" >&2; exit 1 ;; esac
  if [ "$npm_arch" = x64 ] && [ "$host_arch" = x86_64 ] || [ "$npm_arch" = arm64 ] && [ "$host_arch" = aarch64 ]; then
    node_bin=$builder
  else
    node_bin=$(fetch_node "$npm_arch")
  fi
  target="$out/faasd-linux-$arch"
  cp "$node_bin" "$target"
  chmod u+w "$target"
  npx --no-install postject "$target" NODE_SEA_BLOB "$work/sea/sea.blob" \
    --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 >/dev/null
  chmod 0755 "$target"
  echo "release: $target ($(du -h "$target" | cut -f1))"
done
(cd "$out" && sha256sum faasd-linux-* > SHA256SUMS)
cat "$out/SHA256SUMS"
