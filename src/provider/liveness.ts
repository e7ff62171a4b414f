import type { Containerd } from '../containerd/index.js';
import type { ContainerRuntime } from '../runtime/index.js';
import type { Logger } from '../log.js';
import type { NamespaceService } from './namespaces.js';
import type { Resolver } from './resolver.js';
import { FUNCTION_LABEL, REPLICAS_LABEL } from './deployment.js';

export interface LivenessDeps {
  ctd: Containerd;
  runtime: ContainerRuntime;
  namespaces: NamespaceService;
  resolver: Resolver;
  log: Logger;
}

/**
 * Keeps functions that should run running: knows which ones an API call is changing (their exits are
 * not deaths), restarts the others after a growing delay, and lets concurrent callers share one start.
 */
export class Liveness {
  /** Functions an API call is changing right now: their task exits are ours, not deaths. */
  private readonly busy = new Map<string, number>();
  private readonly failures = new Map<string, { count: number; since: number }>();
  /** Functions with a restart pending (waiting out its delay), so exits and sweeps start one. */
  private readonly restarting = new Set<string>();
  private readonly starts = new Map<string, Promise<void>>();

  constructor(private readonly d: LivenessDeps) {}

  async changing<T>(namespace: string, name: string, fn: () => Promise<T>): Promise<T> {
    const key = `${namespace}/${name}`;
    this.busy.set(key, (this.busy.get(key) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      const n = (this.busy.get(key) ?? 1) - 1;
      if (n > 0) this.busy.set(key, n);
      else this.busy.delete(key);
    }
  }

  /**
   * A function's task exited: unless an API call is changing it or it is scaled to zero, start it again
   * after a delay that doubles while it keeps dying fast (capped at 30 s).
   */
  async onTaskExit(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    if (this.busy.has(key) || this.restarting.has(key)) return;
    this.restarting.add(key);
    try {
      const f = this.failures.get(key) ?? { count: 0, since: 0 };
      if (Date.now() - f.since > 60_000) f.count = 0;
      const wait = Math.min(30_000, 250 * 2 ** f.count);
      this.failures.set(key, { count: f.count + 1, since: Date.now() });
      await new Promise((r) => setTimeout(r, wait));
      if (this.busy.has(key)) return;
      const c = await this.in(namespace).containers.get(name);
      if (!c?.labels[FUNCTION_LABEL] || Number(c.labels[REPLICAS_LABEL] ?? '1') === 0) return;
      if ((await this.in(namespace).tasks.get(name))?.status === 'RUNNING') return;
      this.d.log.warn('function task exited; restarting', {
        namespace,
        function: name,
        attempt: f.count + 1,
      });
      await this.startOnce(namespace, name);
      this.d.resolver.invalidate(namespace, name);
    } finally {
      this.restarting.delete(key);
    }
  }

  /**
   * Functions that should run (replicas > 0) and whose task does not: the safety net under the exit
   * events, which containerd does not promise (see the supervisor's recheck). One list per namespace.
   */
  async notRunning(): Promise<{ namespace: string; name: string }[]> {
    const dead: { namespace: string; name: string }[] = [];
    for (const ns of await this.d.namespaces.list()) {
      const c = this.in(ns);
      const running = new Set(
        (await c.tasks.list()).filter((t) => t.status === 'RUNNING').map((t) => t.containerId),
      );
      for (const fn of await c.containers.list(`labels."${FUNCTION_LABEL}"`)) {
        const key = `${ns}/${fn.id}`;
        if (Number(fn.labels[REPLICAS_LABEL] ?? '1') === 0 || running.has(fn.id)) continue;
        if (!this.busy.has(key) && !this.restarting.has(key)) dead.push({ namespace: ns, name: fn.id });
      }
    }
    return dead;
  }

  /**
   * Starts a function's task unless it already runs. Callers at the same time (invocations, the exit
   * monitor, the sweep) share one start: a second start would stop the first one's new task.
   */
  startOnce(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const inflight = this.starts.get(key);
    if (inflight) return inflight;
    const started = this.changing(namespace, name, async () => {
      if ((await this.in(namespace).tasks.get(name))?.status !== 'RUNNING')
        await this.d.runtime.start(namespace, name);
    }).finally(() => this.starts.delete(key));
    this.starts.set(key, started);
    return started;
  }

  private in(namespace: string): Containerd {
    return this.d.ctd.inNamespace(namespace);
  }
}
