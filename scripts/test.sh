#!/usr/bin/env bash
# The one test command: lint, type check, then unit, integration and e2e suites (root-only suites skip
# themselves with a message when not root). Usage: scripts/test.sh [unit|integration|e2e|all]
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"

run_suite() {
  local dir="$1"
  shopt -s globstar nullglob
  local files=(test/"$dir"/**/*.test.ts)
  if [ "${#files[@]}" -eq 0 ]; then
    echo "no $dir tests"
    return 0
  fi
  echo "== $dir tests (${#files[@]} files)"
  node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
}

if [ "$what" = all ]; then
  echo "== lint"; npx eslint .
  echo "== format"; npx prettier --check .
  echo "== generated gRPC types"; bash scripts/gen-proto.sh --check
  echo "== type check"; npx tsc -p tsconfig.json --noEmit; npx tsc -p src/ui/web --noEmit
  if command -v shellcheck >/dev/null; then echo "== shellcheck"; shellcheck scripts/*.sh scripts/sample/* .ci/run; fi
  if command -v vagrant >/dev/null; then echo "== vagrant validate"; vagrant validate --ignore-provider; fi
  if [ "$(id -u)" != 0 ]; then
    echo "NOTE: not root: integration and e2e suites will be skipped (they need containerd, CNI, iptables)"
  fi
  run_suite unit
  run_suite integration
  run_suite e2e
  if [ "$(id -u)" = 0 ]; then
    echo "== single-file executables: build both; integration and e2e suites against amd64; arm64 under qemu"
    bash scripts/release.sh amd64 arm64
    version=$(./dist/release/faasd-linux-amd64 version)
    echo "$version"
    # The executable starts Node with the daemons' V8 flags (execArgv in its SEA config).
    flags=$(node --input-type=module -e "import { NODE_DAEMON_FLAGS as f } from './dist/config/index.js'; console.log(f.join(' '))")
    grep -qF -- "$flags" <<<"$version" || { echo "faasd-linux-amd64 lacks its V8 flags ($flags)"; exit 1; }
    if command -v qemu-aarch64-static >/dev/null && [ -d /usr/aarch64-linux-gnu ]; then
      qemu-aarch64-static -L /usr/aarch64-linux-gnu ./dist/release/faasd-linux-arm64 version
    fi
    FAASD_TEST_EXECUTABLE="$PWD/dist/release/faasd-linux-amd64" run_suite integration
    FAASD_TEST_EXECUTABLE="$PWD/dist/release/faasd-linux-amd64" run_suite e2e
  fi
else
  run_suite "$what"
fi
