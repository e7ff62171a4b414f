import type { Containerd } from '../../src/containerd/index.js';
import { packImage } from '../../src/image/index.js';
import { type PackedImage } from '../../src/image/pack.js';

/**
 * A function image without a watchdog: busybox nc serves :8080 and runs /bin/fn per connection, which
 * answers with what it got (method, target, headers, body) and what it sees (env GREETING, secrets),
 * and logs a line to stderr when a request starts and when it is answered. `/slow…` takes 2 s.
 * PID 1 is nc, which ignores SIGTERM: deleting it exercises the SIGKILL path.
 */
const FN = `#!/bin/sh
read -r method target version
echo "start $method $target" >&2
case "$target" in /slow*) sleep 2 ;; esac
out="method=$method\\ntarget=$target\\n"
len=0
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\\r')
  [ -z "$line" ] && break
  out="$out""header=$line\\n"
  case "$line" in [Cc]ontent-[Ll]ength:*) len=\${line#*: } ;; esac
done
body=""
if [ "$len" -gt 0 ]; then body=$(head -c "$len"); fi
secrets=""
for f in /var/openfaas/secrets/*; do [ -f "$f" ] && secrets="$secrets$(basename "$f")=$(cat "$f");"; done
out="$out""body=$body\\ngreeting=$GREETING\\nfprocess=$fprocess\\nsecrets=$secrets\\nhostname=$(hostname)\\n"
echo "handled $method $target" >&2
printf 'HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%b' "$(printf '%b' "$out" | wc -c)" "$out"
`;

export function packEchoFunction(ctd: Containerd, name: string): Promise<PackedImage> {
  return packImage(ctd, {
    name,
    binaries: [{ hostPath: '/bin/busybox', imagePath: '/bin/busybox' }],
    links: ['sh', 'tr', 'head', 'cat', 'wc', 'basename', 'printf', 'hostname', 'nc', 'sleep'].map((n) => ({
      imagePath: `/bin/${n}`,
      target: 'busybox',
    })),
    files: [{ imagePath: '/bin/fn', content: FN, mode: 0o755 }],
    dirs: [{ imagePath: '/tmp' }],
    entrypoint: ['/bin/nc', '-ll', '-p', '8080', '-e', '/bin/fn'],
  });
}
