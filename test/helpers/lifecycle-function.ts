import type { Containerd } from '../../src/containerd/index.js';
import { packImage } from '../../src/image/index.js';
import { type PackedImage } from '../../src/image/pack.js';
import { APP_USER, appUserFiles } from './named-user-image.js';

/**
 * A function image shaped like an OpenFaaS one where it matters here: it runs as a named non-root user (`USER app`, uid 12000 in its own passwd) and
 * starts slowly (`sleep $START_DELAY` before it listens on :8080, like a Python or Java runtime). Each
 * request runs /bin/fn, which answers GET /_/health like a watchdog (200, or $HEALTH: 503 never gets
 * ready) and anything else with its version, uid and the secrets it can read.
 */
const FN = `#!/bin/sh
read -r method target version
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\\r')
  [ -z "$line" ] && break
done
status=200
case "$target" in /_/health*) status=\${HEALTH:-200} ;; esac
secrets=""
for f in /var/openfaas/secrets/*; do [ -f "$f" ] && secrets="$secrets$(basename "$f")=$(cat "$f" 2>&1);"; done
out="version=$VERSION\\nuid=$(id -u)\\nsecrets=$secrets\\n"
printf 'HTTP/1.1 %s X\\r\\nContent-Type: text/plain\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%b' "$status" "$(printf '%b' "$out" | wc -c)" "$out"
`;

export const FUNCTION_USER = APP_USER.name;

export function packSlowFunction(
  ctd: Containerd,
  name: string,
  o: { entrypoint?: string[] } = {},
): Promise<PackedImage> {
  return packImage(ctd, {
    name,
    binaries: [{ hostPath: '/bin/busybox', imagePath: '/bin/busybox' }],
    links: ['sh', 'tr', 'cat', 'wc', 'basename', 'printf', 'nc', 'sleep', 'id'].map((n) => ({
      imagePath: `/bin/${n}`,
      target: 'busybox',
    })),
    files: [{ imagePath: '/bin/fn', content: FN, mode: 0o755 }, ...appUserFiles()],
    dirs: [{ imagePath: '/tmp' }],
    user: FUNCTION_USER,
    env: ['PATH=/bin', 'START_DELAY=4', 'VERSION=1'],
    entrypoint: o.entrypoint ?? [
      '/bin/sh',
      '-c',
      'sleep "$START_DELAY"; exec /bin/nc -ll -p 8080 -e /bin/fn',
    ],
  });
}
