#!/usr/bin/env bash
# The README's main command. Today it sets the host up and builds faasd-ts; the stack itself
# (faasd up + faasd provider + gateway) does not exist yet, and this script says so instead of pretending.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh --runtime-only
cat <<'MSG'

faasd-ts is built (dist/cli/main.js), but the stack is NOT YET here:
  `faasd up`, `faasd provider`, the gateway and the sample function land with issues #4-#7.
What works today (as root, with containerd running):
  node dist/cli/main.js image pull|ls|rm|pack|import|export
  node dist/cli/main.js net ls [--json]
MSG
exit 2
