import type { Containerd } from '../containerd/index.js';
import { normalizeReference } from './reference.js';
import { packImage, type PackSpec } from './pack.js';
import { progressFor } from './progress.js';
import { pullImage } from './pull.js';
import type { RegistryClient } from './registry.js';
import type { Logger } from '../log.js';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMIT, NODE_DAEMON_FLAGS, VERSION } from '../config/index.js';
import { InternalError } from '../errors.js';
import { runningAsSea } from '../assets.js';

/** The image the gateway and queue-worker run from: this faasd, tagged by version and commit. */
export function selfImageRef(): string {
  return `faasd.local/faasd:${VERSION}-${COMMIT}`;
}

/** dist/bundle of this installation (from the bundle itself, or from dist/ or src/ beside it). */
function bundleDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [here, join(here, '../bundle'), join(here, '../../dist/bundle')]) {
    if (existsSync(join(dir, 'faasd.mjs'))) return dir;
  }
  throw new InternalError('dist/bundle/faasd.mjs is missing: run `npm run build` first');
}

/** node (with its libraries) and the bundle; the image runs `/usr/bin/faasd gateway` or `… queue-worker`. */
export function selfImageSpec(): PackSpec {
  if (runningAsSea()) {
    // The single-file executable is node and faasd in one: it is the whole image.
    return {
      name: selfImageRef(),
      binaries: [{ hostPath: process.execPath, imagePath: '/usr/bin/faasd' }],
      dirs: [{ imagePath: '/tmp' }],
      files: [
        {
          imagePath: '/etc/passwd',
          content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n',
        },
      ],
      entrypoint: ['/usr/bin/faasd'],
      cmd: ['gateway'],
      env: ['PATH=/usr/bin:/bin', 'NODE_ENV=production'],
      exposedPorts: ['8080/tcp'],
    };
  }
  const bundle = bundleDir();
  return {
    name: selfImageRef(),
    binaries: [{ hostPath: process.execPath, imagePath: '/usr/bin/node' }],
    paths: [
      { hostPath: bundle, imagePath: '/opt/faasd/bundle' },
      { hostPath: join(bundle, '../build-info.json'), imagePath: '/opt/faasd/build-info.json' },
    ],
    dirs: [{ imagePath: '/tmp' }],
    files: [
      {
        imagePath: '/etc/passwd',
        content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n',
      },
      // The same command line as the single-file image, `/usr/bin/faasd gateway`, so one compose file
      // serves both: compose's `command` replaces the entrypoint (as in faasd). A CommonJS file without
      // an extension may load the ES module bundle only through import().
      {
        imagePath: '/usr/bin/faasd',
        content: "#!/usr/bin/node\nimport('file:///opt/faasd/bundle/faasd.mjs');\n",
        mode: 0o755,
      },
    ],
    entrypoint: ['/usr/bin/faasd'],
    cmd: ['gateway'],
    // A shebang line carries one argument at most: the daemons' V8 flags come from NODE_OPTIONS (every
    // flag in NODE_DAEMON_FLAGS must be one that NODE_OPTIONS allows).
    env: ['PATH=/usr/bin:/bin', 'NODE_ENV=production', `NODE_OPTIONS=${NODE_DAEMON_FLAGS.join(' ')}`],
    exposedPorts: ['8080/tcp'],
  };
}

/**
 * Images faasd makes on the host from Debian's packages, so the core stack needs no registry.
 * Their references live under `faasd.local/`, which no registry serves.
 */
export const LOCAL_IMAGES: Record<string, () => PackSpec> = {
  'faasd.local/nats:latest': () => ({
    name: 'faasd.local/nats:latest',
    binaries: [{ hostPath: '/usr/sbin/nats-server', imagePath: '/usr/sbin/nats-server' }],
    dirs: [{ imagePath: '/tmp' }, { imagePath: '/data' }],
    entrypoint: ['/usr/sbin/nats-server'],
    exposedPorts: ['4222/tcp', '8222/tcp'],
  }),
  'faasd.local/prometheus:latest': () => ({
    name: 'faasd.local/prometheus:latest',
    binaries: [{ hostPath: '/usr/bin/prometheus', imagePath: '/bin/prometheus' }],
    dirs: [{ imagePath: '/tmp' }, { imagePath: '/prometheus' }, { imagePath: '/etc/prometheus' }],
    entrypoint: ['/bin/prometheus'],
    cmd: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus'],
    exposedPorts: ['9090/tcp'],
  }),
};

/** Makes sure an image is in containerd: present, packed from the host (faasd.local), or pulled. */
export async function ensureImage(
  ctd: Containerd,
  registry: RegistryClient,
  ref: string,
  log: Logger,
): Promise<void> {
  const name = normalizeReference(ref);
  if (await ctd.images.get(name)) return;
  const local = name === normalizeReference(selfImageRef()) ? selfImageSpec : LOCAL_IMAGES[name];
  if (local) {
    log.info('packing image from host files', { image: name });
    await packImage(ctd, local());
    return;
  }
  log.info('pulling image', { image: name });
  await pullImage(ctd, registry, name, { progress: progressFor(process.stderr) });
}
