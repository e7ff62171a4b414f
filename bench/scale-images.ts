// The images bench/scale deploys: the compiled test function (bench/fn-server.c), the one-at-a-time
// compiled function for the autoscaling step (bench/scale-fn.c), and a slow-starting Node function that
// says its version (bench/app-function.ts). All run as a named non-root user, as OpenFaaS images do.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Containerd } from '../src/containerd/index.js';
import { packImage } from '../src/image/index.js';
import { APP_USER, appUserFiles } from '../test/helpers/named-user-image.js';
import { packAppFunction } from './app-function.js';
import { packCompiledFunction } from './compiled-function.js';

export const IMAGES = {
  /** fn-server: 200 "ok" to everything, epoll; ready as soon as it listens. */
  compiled: 'bench.local/scale-c:1',
  /** scale-fn: one request at a time, WORK_MS each, answers `ok $VERSION`. */
  serial: 'bench.local/scale-serial:1',
  /** Node, listens after START_DELAY_MS (1 s), answers `ok $VERSION`. */
  app: 'bench.local/scale-app:1',
} as const;

async function packSerialFunction(ctd: Containerd, name: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'faasd-bench-scale-fn-'));
  try {
    const bin = join(dir, 'scale-fn');
    const src = join(import.meta.dirname, 'scale-fn.c');
    await execa('gcc', ['-static', '-O2', '-Wall', '-o', bin, src], { timeout: 120_000 });
    await packImage(ctd, {
      name,
      binaries: [{ hostPath: bin, imagePath: '/usr/bin/scale-fn' }],
      files: appUserFiles(),
      dirs: [{ imagePath: '/tmp' }, { imagePath: APP_USER.home }],
      user: APP_USER.name,
      entrypoint: ['/usr/bin/scale-fn'],
      exposedPorts: ['8080/tcp'],
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Packs every image into the function namespace's containerd (no registry needed). */
export async function packScaleImages(fnCtd: Containerd): Promise<void> {
  await packCompiledFunction(fnCtd, IMAGES.compiled);
  await packSerialFunction(fnCtd, IMAGES.serial);
  await packAppFunction(fnCtd, IMAGES.app);
}
