import type { Containerd } from '../src/containerd/index.js';
import { packImage } from '../src/image/index.js';

/** A function that answers without forking: node's http server on :8080, packed from this host's node. */
export function packNodeFunction(ctd: Containerd, name: string) {
  return packImage(ctd, {
    name,
    binaries: [{ hostPath: process.execPath, imagePath: '/usr/bin/node' }],
    files: [
      {
        imagePath: '/fn/index.js',
        content:
          "require('http').createServer((q, s) => { q.resume(); q.on('end', () => s.end('ok')); }).listen(8080);\n",
      },
    ],
    dirs: [{ imagePath: '/tmp' }],
    entrypoint: ['/usr/bin/node', '/fn/index.js'],
  });
}
