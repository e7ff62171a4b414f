import { setTimeout as delay } from 'node:timers/promises';
import type { Containerd } from '../containerd/index.js';
import { NotFoundError, UnavailableError } from '../errors.js';
import { SERVICE_LABEL, STARTED_AT_LABEL } from './service-container.js';

export interface RestartOptions {
  ctd: Containerd;
  namespace: string;
  name: string;
  /** SIGTERM, then SIGKILL after this long. */
  graceMs: number;
  /** How long to wait for the supervisor to have it running again. */
  timeoutMs: number;
  pollMs?: number;
}

const SIGTERM = 15;
const SIGKILL = 9;

/**
 * `faasd service restart NAME`: stops the service's task; the supervisor of `faasd up` sees it exit and
 * starts it again (its keep-alive, which counts the restart). Resolves when the service runs again
 * with a new start time; fails when no supervisor brings it back within the timeout.
 */
export async function restartService(o: RestartOptions): Promise<{ pid: number }> {
  const c = o.ctd.inNamespace(o.namespace);
  const container = await c.containers.get(o.name);
  if (!container?.labels[SERVICE_LABEL]) throw new NotFoundError('service', o.name);
  const before = container.labels[STARTED_AT_LABEL];
  const task = await c.tasks.get(o.name);
  if (task?.status === 'RUNNING') {
    const exited = c.tasks.wait(o.name, AbortSignal.timeout(o.graceMs)).then(
      () => true,
      () => false,
    );
    await c.tasks.kill(o.name, SIGTERM, true);
    if (!(await exited)) await c.tasks.kill(o.name, SIGKILL, true).catch(() => undefined);
  }
  const deadline = Date.now() + o.timeoutMs;
  while (Date.now() < deadline) {
    await delay(o.pollMs ?? 100);
    const [now, t] = await Promise.all([c.containers.get(o.name), c.tasks.get(o.name)]);
    if (t?.status === 'RUNNING' && now?.labels[STARTED_AT_LABEL] !== before) return { pid: t.pid };
  }
  throw new UnavailableError(
    `service ${JSON.stringify(o.name)} was stopped and is not running again after ${o.timeoutMs} ms: is faasd up running?`,
  );
}
