import type { Containerd } from '../containerd/index.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { ServiceSpec } from './compose.js';
import type { DependsCondition, Healthcheck } from './compose-health.js';
import type { ServiceHealth } from './health.js';
import { DependencyFailedError } from './start-errors.js';

export interface DependencyWaitDeps {
  c: { tasks: Pick<Containerd['tasks'], 'wait'> };
  log: Logger;
  health(service: string): ServiceHealth | undefined;
  /** Aborts when faasd up stops. */
  signal: AbortSignal;
  /** How long a `service_completed_successfully` dependency may run; default 10 min. */
  completionTimeoutMs?: number | undefined;
}

/**
 * The longest a dependency can take to become healthy or unhealthy: its start period, then `retries`
 * probes (each an interval plus a timeout), once more for a restart in between, plus a minute.
 */
export function healthyBoundMs(h: Healthcheck): number {
  const ms = h.startPeriodMs + 2 * (h.retries + 1) * (h.intervalMs + h.timeoutMs) + 60_000;
  // Node's timers take at most 2^31-1 ms (a longer one fires at once).
  return Math.min(ms, 2 ** 31 - 1);
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function awaitOne(
  d: DependencyWaitDeps,
  dependency: string,
  condition: DependsCondition,
): Promise<void> {
  if (condition === 'service_started') return; // started already: dependencies start first
  if (condition === 'service_healthy') {
    const health = d.health(dependency);
    if (!health) throw new Error('it has no healthcheck');
    const bound = healthyBoundMs(health.check);
    const signal = AbortSignal.any([d.signal, AbortSignal.timeout(bound)]);
    await abortable(health.waitHealthy(), signal).catch((err: unknown) => {
      if (d.signal.aborted) throw new Error('faasd up is stopping');
      if (signal.aborted) throw new Error(`not healthy within ${bound} ms`);
      throw err;
    });
    return;
  }
  const bound = d.completionTimeoutMs ?? 600_000;
  const signal = AbortSignal.any([d.signal, AbortSignal.timeout(bound)]);
  const exit = await d.c.tasks.wait(dependency, signal).catch((err: unknown) => {
    if (d.signal.aborted) throw new Error('faasd up is stopping');
    if (signal.aborted) throw new Error(`still running after ${bound} ms`);
    throw err;
  });
  if (exit.exitStatus !== 0) throw new Error(`exited with status ${exit.exitStatus}`);
}

/** Waits until every `depends_on` condition of `s` holds (bounded); a failure names both services. */
export async function awaitDependencies(d: DependencyWaitDeps, s: ServiceSpec): Promise<void> {
  for (const [dependency, condition] of Object.entries(s.conditions ?? {})) {
    if (condition === 'service_started') continue;
    d.log.info('waiting for dependency', { service: s.name, dependency, condition });
    try {
      await awaitOne(d, dependency, condition);
    } catch (err) {
      throw new DependencyFailedError(s.name, dependency, condition, errorMessage(err), { cause: err });
    }
  }
}
