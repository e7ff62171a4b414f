import type { Containerd } from '../src/containerd/index.js';
import { packImage, type PackedImage } from '../src/image/index.js';

/**
 * A function shaped like a real OpenFaaS image: it runs as a named non-root user (`USER app`) and starts
 * slowly (it listens on :8080 only after `startDelayMs`), so a bench sees what a user's function does
 * after a restart, not a root process that answers at once. It answers `ok <VERSION>` without forking.
 */
const SERVER = `const delay = Number(process.env.START_DELAY_MS || '0');
setTimeout(() => {
  require('http')
    .createServer((q, s) => { q.resume(); q.on('end', () => s.end('ok ' + (process.env.VERSION || '') + '\\n')); })
    .listen(8080);
}, delay);
process.on('SIGTERM', () => process.exit(0));
`;

export function packAppFunction(
  ctd: Containerd,
  name: string,
  o: { user?: string; startDelayMs?: number } = {},
): Promise<PackedImage> {
  return packImage(ctd, {
    name,
    binaries: [{ hostPath: process.execPath, imagePath: '/usr/bin/node' }],
    files: [
      { imagePath: '/home/app/index.js', content: SERVER },
      {
        imagePath: '/etc/passwd',
        content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n',
      },
      { imagePath: '/etc/group', content: 'root:x:0:\napp:x:1000:\n' },
    ],
    dirs: [{ imagePath: '/tmp' }, { imagePath: '/home/app' }],
    env: [`START_DELAY_MS=${o.startDelayMs ?? 1000}`],
    user: o.user ?? 'app',
    workdir: '/home/app',
    entrypoint: ['/usr/bin/node', '/home/app/index.js'],
  });
}
