import type { Logger } from '../log.js';
import type { ChangeGuard } from './changes.js';
import {
  functionOf,
  groupFunctions,
  primaryOf,
  replicasOf,
  type ContainerView,
  type FunctionContainers,
  type TaskView,
} from './instances.js';

/** The narrow view of containerd that Liveness needs; FunctionService gives the real one. */
export interface FunctionTasks {
  /** Every function container of the namespace. */
  containers(namespace: string): Promise<ContainerView[]>;
  task(namespace: string, id: string): Promise<TaskView | undefined>;
  /** Every task of the namespace in one call, when the host can (the sweep's one look, issue #16). */
  allTasks?(namespace: string): Promise<Map<string, TaskView>>;
  /** Starts the container's task and begins probing its readiness. */
  start(namespace: string, id: string): Promise<void>;
  /** The container's task is gone: stop probing it. */
  exited(namespace: string, id: string): void;
}

export interface LivenessDeps {
  fns: FunctionTasks;
  guard: ChangeGuard;
  namespaces: { list(): Promise<string[]> };
  resolver: { invalidate(namespace: string, name: string): void };
  log: Logger;
  /** First restart delay; doubles while a function keeps dying fast (capped at 30 s). */
  restartDelayMs?: number;
}

/**
 * Keeps functions that should run running, replica by replica: restarts a serving container whose task
 * died, unless an API call is changing that function (its exits are the change's), after a delay that
 * grows while that replica keeps dying; concurrent callers (invocations, the exit monitor, the sweep)
 * share one start.
 */
export class Liveness {
  private readonly failures = new Map<string, { count: number; since: number }>();
  /** Replicas with a restart pending (waiting out its delay), so exits and sweeps start one. */
  private readonly restarting = new Set<string>();
  private readonly starts = new Map<string, Promise<void>>();

  constructor(private readonly d: LivenessDeps) {}

  private async group(namespace: string, name: string): Promise<FunctionContainers | undefined> {
    return groupFunctions(await this.d.fns.containers(namespace)).get(name);
  }

  /**
   * A container's task exited: when it is a serving replica of a function that should run and no API
   * call is changing that function, start it again after a delay.
   */
  async onTaskExit(namespace: string, containerId: string): Promise<void> {
    this.d.fns.exited(namespace, containerId);
    const c = (await this.d.fns.containers(namespace)).find((x) => x.id === containerId);
    const name = c && functionOf(c);
    if (!name) return;
    this.d.resolver.invalidate(namespace, name);
    const key = `${namespace}/${containerId}`;
    if (this.d.guard.busy(namespace, name) || this.restarting.has(key)) return;
    this.restarting.add(key);
    try {
      const f = this.failures.get(key) ?? { count: 0, since: 0 };
      if (Date.now() - f.since > 60_000) f.count = 0;
      const wait = Math.min(30_000, (this.d.restartDelayMs ?? 250) * 2 ** f.count);
      this.failures.set(key, { count: f.count + 1, since: Date.now() });
      await new Promise((r) => setTimeout(r, wait));
      if (this.d.guard.busy(namespace, name)) return;
      const g = await this.group(namespace, name);
      const replica = g?.serving.find((x) => x.id === containerId);
      if (!replica || replicasOf(replica) === 0) return;
      if ((await this.d.fns.task(namespace, replica.id))?.status === 'RUNNING') return;
      this.d.log.warn('function task exited; restarting', {
        namespace,
        function: name,
        container: replica.id,
        attempt: f.count + 1,
      });
      await this.startOnce(namespace, name);
    } finally {
      this.restarting.delete(key);
    }
  }

  /**
   * Serving replicas that should run (replicas > 0) and whose task does not, of functions nobody is
   * changing: the safety net under the exit events, which containerd does not promise. `name` is the
   * container's ID.
   */
  async notRunning(): Promise<{ namespace: string; name: string }[]> {
    const dead: { namespace: string; name: string }[] = [];
    for (const ns of await this.d.namespaces.list()) {
      // Containers first: a task listed after them is seen even when it started in between.
      const groups = groupFunctions(await this.d.fns.containers(ns));
      const tasks = await this.d.fns.allTasks?.(ns);
      for (const g of groups.values()) {
        const head = primaryOf(g);
        if (!head || replicasOf(head) === 0 || this.d.guard.busy(ns, g.name)) continue;
        for (const c of g.serving) {
          if (this.restarting.has(`${ns}/${c.id}`)) continue;
          const task = tasks ? tasks.get(c.id) : await this.d.fns.task(ns, c.id);
          if (task?.status !== 'RUNNING') dead.push({ namespace: ns, name: c.id });
        }
      }
    }
    return dead;
  }

  /**
   * Starts every serving replica of the function that does not run, unless it is scaled to zero or
   * gone. Waits for any change of the function first (never a task under an update or delete), then
   * looks again. Callers at the same time share one start.
   */
  startOnce(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const inflight = this.starts.get(key);
    if (inflight) return inflight;
    const started = this.d.guard
      .internal(namespace, name, async () => {
        const g = await this.group(namespace, name);
        const head = g && primaryOf(g);
        if (!g || !head || replicasOf(head) === 0) return;
        let failed: Error | undefined;
        for (const c of g.serving) {
          if ((await this.d.fns.task(namespace, c.id))?.status === 'RUNNING') continue;
          // One replica that cannot start must not keep the others down.
          await this.d.fns
            .start(namespace, c.id)
            .catch((err: unknown) => (failed ??= err instanceof Error ? err : new Error(String(err))));
        }
        this.d.resolver.invalidate(namespace, name);
        if (failed) throw failed;
      })
      .finally(() => this.starts.delete(key));
    this.starts.set(key, started);
    return started;
  }
}
