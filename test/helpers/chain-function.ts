import type { Containerd } from '../../src/containerd/index.js';
import { packImage, type PackedImage } from '../../src/image/index.js';
import { APP_USER, appUserFiles } from './named-user-image.js';

/**
 * A function that calls other functions through the gateway by its name, as OpenFaaS function chaining
 * does: `GET /cgi-bin/chain` answers with `http://gateway:8080/healthz` and then
 * `http://gateway:8080/function/echo/chained`. Shaped like a template image: the named non-root user
 * `app`, and a slow start (httpd listens only after a second), so readiness has to wait for it.
 */
const CHAIN = `#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
echo "healthz=$(wget -q -O - http://gateway:8080/healthz 2>&1)"
wget -q -O - http://gateway:8080/function/echo/chained 2>&1
`;

export function packChainFunction(ctd: Containerd, name: string): Promise<PackedImage> {
  return packImage(ctd, {
    name,
    binaries: [{ hostPath: '/bin/busybox', imagePath: '/bin/busybox' }],
    links: ['sh', 'sleep', 'httpd', 'wget', 'printf', 'echo'].map((n) => ({
      imagePath: `/bin/${n}`,
      target: 'busybox',
    })),
    dirs: [
      { imagePath: '/tmp' },
      { imagePath: APP_USER.home },
      { imagePath: '/www' },
      { imagePath: '/www/cgi-bin' },
    ],
    files: [...appUserFiles(), { imagePath: '/www/cgi-bin/chain', content: CHAIN, mode: 0o755 }],
    user: APP_USER.name,
    env: ['PATH=/bin'],
    entrypoint: ['/bin/sh', '-c', 'sleep 1; exec httpd -f -p 8080 -h /www'],
  });
}
