#!/usr/bin/env bash
# The README's test command: set the host up (idempotent), then run every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
npm test
