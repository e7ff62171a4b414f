import type { Containerd } from '../../src/containerd/index.js';
import { packImage, type PackedImage } from '../../src/image/index.js';
import { APP_USER, appUserFiles } from './named-user-image.js';

/**
 * A function image for replica tests, shaped like an OpenFaaS one: a named non-root user (`USER app`)
 * and a slow start (`sleep $START_DELAY` before it listens on :8080). Each request answers with the
 * replica's own IPv4 address (the hostname is the function's name in every replica), after a GET of
 * $HOLD_URL when that is set (the test holds the request there until it releases it). GET /_/health
 * answers $HEALTH (200; 503 never gets ready) at once.
 */
const FN = `#!/bin/sh
read -r method target version
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\\r')
  [ -z "$line" ] && break
done
status=200
case "$target" in
  /_/health*) status=\${HEALTH:-200} ;;
  *) [ -n "$HOLD_URL" ] && wget -q -O /dev/null "$HOLD_URL" ;;
esac
ip=$(ip -4 -o addr show scope global | sed -n 's/.* inet \\([0-9.]*\\).*/\\1/p' | head -n 1)
out="ip=$ip\\nversion=$VERSION\\n"
printf 'HTTP/1.1 %s X\\r\\nContent-Type: text/plain\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%b' "$status" "$(printf '%b' "$out" | wc -c)" "$out"
`;

export function packReplicaFunction(ctd: Containerd, name: string): Promise<PackedImage> {
  return packImage(ctd, {
    name,
    binaries: [{ hostPath: '/bin/busybox', imagePath: '/bin/busybox' }],
    links: ['sh', 'tr', 'wc', 'printf', 'nc', 'sleep', 'ip', 'sed', 'head', 'wget'].map((n) => ({
      imagePath: `/bin/${n}`,
      target: 'busybox',
    })),
    files: [{ imagePath: '/bin/fn', content: FN, mode: 0o755 }, ...appUserFiles()],
    dirs: [{ imagePath: '/tmp' }],
    user: APP_USER.name,
    env: ['PATH=/bin', 'START_DELAY=2', 'VERSION=1'],
    entrypoint: ['/bin/sh', '-c', 'sleep "$START_DELAY"; exec /bin/nc -ll -p 8080 -e /bin/fn'],
  });
}
