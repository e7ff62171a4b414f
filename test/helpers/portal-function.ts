import type { Containerd } from '../../src/containerd/index.js';
import { packImage, type PackedImage } from '../../src/image/index.js';
import { APP_USER, appUserFiles } from './named-user-image.js';

/**
 * A function image for the portal's browser test, shaped like an OpenFaaS one: it runs as the named
 * non-root user `app`, starts slowly (`sleep $START_DELAY` before it listens on :8080), answers JSON with
 * the method, the path and the body it got, and logs `portal-fn handled METHOD PATH` to stderr.
 */
const FN = `#!/bin/sh
read -r method target version
len=0
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\\r')
  [ -z "$line" ] && break
  case "$line" in [Cc]ontent-[Ll]ength:*) len=\${line#*: } ;; esac
done
body=""
if [ "$len" -gt 0 ]; then body=$(head -c "$len"); fi
echo "portal-fn handled $method $target" >&2
out="{\\"method\\":\\"$method\\",\\"path\\":\\"$target\\",\\"user\\":\\"$(id -un)\\",\\"said\\":\\"$body\\"}"
printf 'HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%s' "$(printf '%s' "$out" | wc -c)" "$out"
`;

export function packPortalFunction(ctd: Containerd, name: string): Promise<PackedImage> {
  return packImage(ctd, {
    name,
    binaries: [{ hostPath: '/bin/busybox', imagePath: '/bin/busybox' }],
    links: ['sh', 'tr', 'head', 'wc', 'printf', 'nc', 'sleep', 'id'].map((n) => ({
      imagePath: `/bin/${n}`,
      target: 'busybox',
    })),
    files: [{ imagePath: '/bin/fn', content: FN, mode: 0o755 }, ...appUserFiles()],
    dirs: [{ imagePath: '/tmp' }],
    user: APP_USER.name,
    env: ['PATH=/bin', 'START_DELAY=3'],
    entrypoint: ['/bin/sh', '-c', 'sleep "$START_DELAY"; exec /bin/nc -ll -p 8080 -e /bin/fn'],
  });
}
