#!/usr/bin/env bash
# TypeScript types for our containerd .proto subset (src/containerd/proto), so a misspelt service, method
# or field in a gRPC call fails to compile. The options match LOADER_OPTIONS in src/containerd/grpc.ts
# (camelCase fields, longs as numbers, enums as strings, defaults filled in), so the types describe what
# proto-loader really decodes.
# Usage: scripts/gen-proto.sh          writes src/containerd/generated/ (commit the result)
#        scripts/gen-proto.sh --check  regenerates into a temp dir and fails when the committed copy differs
set -euo pipefail
cd "$(dirname "$0")/.."

proto_dir=src/containerd/proto
committed=src/containerd/generated

generate() {
  local out="$1"
  local files
  # Names relative to the include dir, as grpc.ts loads them: the generated "Original file" lines then
  # do not depend on where this runs.
  mapfile -t files < <(cd "$proto_dir" && printf '%s\n' *.proto)
  npx --no-install proto-loader-gen-types \
    --longs=Number --enums=String --defaults --arrays --objects \
    --grpcLib=@grpc/grpc-js --importFileExtension=.js \
    -I "$proto_dir" -O "$out" "${files[@]}"
}

if [ "${1:-}" = --check ]; then
  tmp=$(mktemp -d /tmp/faasd-gen-proto.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  generate "$tmp"
  if ! diff -r "$committed" "$tmp" >/dev/null; then
    diff -r "$committed" "$tmp" | head -40
    echo "$committed is out of date with $proto_dir: run npm run gen:proto and commit the result" >&2
    exit 1
  fi
  echo "$committed is up to date"
else
  rm -rf "$committed"
  generate "$committed"
  echo "wrote $committed"
fi
