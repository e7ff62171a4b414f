// The images bench/scale deploys: the compiled test function (bench/fn-server.c), the one-at-a-time
// compiled function for the autoscaling step (bench/scale-fn.c), and a slow-starting Node function that
// says its version (bench/app-function.ts). All run as a named non-root user, as OpenFaaS images do.
import { join } from 'node:path';
import type { Containerd } from '../src/containerd/index.js';
import { packAppFunction } from './app-function.js';
import { packCompiledFunction, packCompiledSource } from './compiled-function.js';

export const IMAGES = {
  /** fn-server: 200 "ok" to everything, epoll; ready as soon as it listens. */
  compiled: 'bench.local/scale-c:1',
  /** scale-fn: one request at a time, WORK_MS each, answers `ok $VERSION`. */
  serial: 'bench.local/scale-serial:1',
  /** Node, listens after START_DELAY_MS (1 s), answers `ok $VERSION`. */
  app: 'bench.local/scale-app:1',
} as const;

/** Packs every image into the function namespace's containerd (no registry needed). */
export async function packScaleImages(fnCtd: Containerd): Promise<void> {
  await packCompiledFunction(fnCtd, IMAGES.compiled);
  await packCompiledSource(fnCtd, IMAGES.serial, join(import.meta.dirname, 'scale-fn.c'), 'scale-fn');
  await packAppFunction(fnCtd, IMAGES.app);
}
