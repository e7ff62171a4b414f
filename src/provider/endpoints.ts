import { NotFoundError } from '../errors.js';
import type { Logger } from '../log.js';
import type { LoadTracker } from './balancer.js';
import type { ChangeGuard } from './changes.js';
import type { FunctionHost } from './function-host.js';
import { NotReadyError } from './function-errors.js';
import type { Liveness } from './liveness.js';
import type { Readiness } from './readiness.js';
import { bySlot } from './replicas.js';
import { parseScaleLabels } from './scale-labels.js';
import { primaryOf, replicasOf } from './instances.js';
import { deploymentOf, within, type Fn } from './function-records.js';

export interface EndpointDeps {
  host: Pick<FunctionHost, 'observe' | 'ip' | 'task'>;
  readiness: Readiness;
  load: LoadTracker;
  guard: ChangeGuard;
  live: Liveness;
  log: Logger;
  /** One function's containers (only its own: the cost does not grow with other functions). */
  group(namespace: string, name: string): Promise<Fn | undefined>;
  /** Back from zero to its minimum, once for all callers at the same time. */
  wake(namespace: string, name: string): Promise<void>;
  readyTimeoutMs: number;
}

/** Where an invocation goes: a ready replica's address, waiting (bounded) for one when none is ready. */
export class Endpoints {
  constructor(private readonly deps: EndpointDeps) {}

  /**
   * A replica's address when its task runs and answers as ready now; no waiting, no start. A task that
   * Readiness watches and saw ready is taken as it stands, without asking containerd (as the resolver's
   * kept addresses are): an exit ends the watch (the exit event, or the 5 s re-check when none came).
   * After a daemon restart every adopted replica is watched from reconcile on, so the first invocation
   * of each of a thousand functions makes no Tasks.Get (issue #16); one not yet probed ready is not
   * chosen.
   */
  private async readyIp(namespace: string, id: string): Promise<string | undefined> {
    if (!this.deps.readiness.readyNow(namespace, id)) {
      const task = await this.deps.host.observe(namespace, id);
      if (task?.status !== 'RUNNING' || !this.deps.readiness.isReady(namespace, id, task.pid))
        return undefined;
    }
    const ip = await this.deps.host.ip(namespace, id);
    return ip && !this.deps.load.isDraining(ip) ? ip : undefined;
  }

  /** The addresses of the function's ready replicas now (the resolver picks among them). */
  async readyAddresses(namespace: string, name: string): Promise<string[]> {
    const g = await this.deps.group(namespace, name);
    const head = g && primaryOf(g);
    if (!g || !head || replicasOf(head) === 0) return [];
    const ips = await Promise.all(bySlot(g.serving).map((c) => this.readyIp(namespace, c.id)));
    return ips.filter((ip): ip is string => ip !== undefined);
  }

  /** See FunctionService.endpoint. */
  async endpoint(name: string, namespace: string, suspect: boolean): Promise<string | undefined> {
    this.deps.load.enter(namespace, name);
    try {
      return await this.endpointOnce(name, namespace, suspect);
    } finally {
      this.deps.load.leave(namespace, name);
    }
  }

  private async endpointOnce(name: string, namespace: string, suspect: boolean): Promise<string | undefined> {
    const { host, readiness, load, guard, readyTimeoutMs } = this.deps;
    const deadline = Date.now() + readyTimeoutMs;
    const left = () => Math.max(0, deadline - Date.now());
    let container = name;
    const late = () => new NotReadyError(name, container, readyTimeoutMs);
    // Each round either returns or waits for something that moved on (an exit, a start, a change).
    for (let round = 0; round < 8 && left() > 0; round++) {
      const g = await this.deps.group(namespace, name);
      if (!g) throw new NotFoundError('function', name);
      const serving = bySlot(g.serving);
      const head = serving[0];
      if (!head) {
        await within(guard.idle(namespace, name), left(), late);
        continue;
      }
      container = head.id;
      if (replicasOf(head) === 0) {
        if (!parseScaleLabels(deploymentOf(head)?.labels).zero) return undefined;
        await within(this.deps.wake(namespace, name), left(), late);
        continue;
      }
      if (suspect && serving.length === 1) readiness.suspect(namespace, head.id);
      suspect = false;
      // Replicas already known ready: no containerd call (readyIp says why that is safe).
      const known = await Promise.all(
        serving.filter((c) => readiness.readyNow(namespace, c.id)).map((c) => host.ip(namespace, c.id)),
      );
      const fast = load.choose(known.filter((ip): ip is string => ip !== undefined && !load.isDraining(ip)));
      if (fast) return fast;
      const seen = await Promise.all(
        serving.map(async (c) => ({
          id: c.id,
          task: await host.task(namespace, c.id),
          ip: await host.ip(namespace, c.id),
        })),
      );
      // A replica being drained (scale down) is neither chosen nor waited for.
      const running = seen.filter((s) => s.task?.status === 'RUNNING' && s.ip && !load.isDraining(s.ip));
      for (const s of running) readiness.watch(namespace, s.id, s.ip ?? '', s.task?.pid ?? 0);
      const ready = running.filter((s) => readiness.isReady(namespace, s.id, s.task?.pid ?? 0));
      const chosen = load.choose(ready.map((s) => s.ip ?? ''));
      if (chosen) return chosen;
      if (running.length > 0) {
        const ids = running.map((s) => s.id);
        const outcome = await readiness.waitAnyReady(namespace, ids, left());
        if (outcome === 'timeout') throw late();
        if (outcome === 'ready' || running.length === serving.length) continue;
      }
      if (!guard.busy(namespace, name))
        this.deps.log.warn('function task not running; starting it', {
          namespace,
          function: name,
          containers: seen
            .filter((s) => s.task?.status !== 'RUNNING')
            .map((s) => s.id)
            .join(','),
        });
      await within(this.deps.live.startOnce(namespace, name), left(), late);
    }
    throw late();
  }
}
