import type { Containerd } from '../src/containerd/index.js';
import { packImage } from '../src/image/index.js';
import { APP_USER, appUserFiles } from '../test/helpers/named-user-image.js';

/**
 * A function that answers without forking: node's http server on :8080 (GET /_/health included), packed
 * from this host's node, run as a named non-root user as an OpenFaaS template image is.
 */
export function packNodeFunction(ctd: Containerd, name: string) {
  return packImage(ctd, {
    name,
    binaries: [{ hostPath: process.execPath, imagePath: '/usr/bin/node' }],
    files: [
      ...appUserFiles(),
      {
        imagePath: '/fn/index.js',
        content:
          "require('http').createServer((q, s) => { q.resume(); q.on('end', () => s.end('ok')); }).listen(8080);\n",
      },
    ],
    dirs: [{ imagePath: '/tmp' }, { imagePath: APP_USER.home }],
    user: APP_USER.name,
    entrypoint: ['/usr/bin/node', '/fn/index.js'],
    exposedPorts: ['8080/tcp'],
  });
}
