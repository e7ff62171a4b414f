import type { Containerd } from '../containerd/index.js';
import {
  normalizeReference,
  packImage,
  progressFor,
  pullImage,
  type PackSpec,
  type RegistryClient,
} from '../image/index.js';
import type { Logger } from '../log.js';

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
  const local = LOCAL_IMAGES[name];
  if (local) {
    log.info('packing image from host files', { image: name });
    await packImage(ctd, local());
    return;
  }
  log.info('pulling image', { image: name });
  await pullImage(ctd, registry, name, { progress: progressFor(process.stderr) });
}
