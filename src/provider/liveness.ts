import { setTimeout as delay } from 'node:timers/promises';
import { Backoff, type Clock, type DeadTask } from '../runtime/index.js';
import { errorMessage } from '../errors.js';
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
  /** First restart delay; doubles while a replica keeps dying (up to RESTART_CAP_MS). Default 250 ms. */
  restartDelayMs?: number;
  /** For the backoff's stable period; tests give a fake. */
  clock?: Clock;
  /** Waits out a restart delay; resolves early when `signal` aborts. Tests give one that records. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export const RESTART_CAP_MS = 30_000;
/** A replica that ran this long before it died restarts after the first delay again. */
export const RESTART_STABLE_MS = 60_000;

const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

/** Where a replica stands: gone (or scaled away: nothing to keep), running, or dead (to restart). */
type ReplicaState = 'gone' | 'running' | 'dead';

/**
 * Keeps the serving replicas of functions that should run running. runtime's TaskWatcher (wired in
 * serve.ts) reports a dead replica; Liveness restarts it after that replica's own Backoff, unless an API
 * call is changing the function (its exits are the change's). An invocation's start (startOnce) and a
 * restart never overlap: both run as the function's internal work, after any change.
 */
export class Liveness {
  /** One backoff per replica that died, `namespace/container`; only for replicas that exist. */
  private readonly backoffs = new Map<string, Backoff>();
  private readonly starts = new Map<string, Promise<void>>();
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(private readonly d: LivenessDeps) {
    this.sleep = d.sleep ?? sleep;
  }

  /** How many replicas hold a backoff (bounded by the replicas that exist). */
  get backoffCount(): number {
    return this.backoffs.size;
  }

  private async group(namespace: string, name: string): Promise<FunctionContainers | undefined> {
    return groupFunctions(await this.d.fns.containers(namespace)).get(name);
  }

  private async stateOf(namespace: string, name: string, id: string): Promise<ReplicaState> {
    const g = await this.group(namespace, name);
    const head = g && primaryOf(g);
    if (!head || replicasOf(head) === 0 || !g.serving.some((c) => c.id === id)) return 'gone';
    return (await this.d.fns.task(namespace, id))?.status === 'RUNNING' ? 'running' : 'dead';
  }

  /**
   * A replica's task died (TaskWatcher's onDead; it reports each replica once until this settles):
   * forget its address, and start it again after its backoff when it is still a serving replica of a
   * function that should run and nobody is changing. A replica deleted, scaled away or replaced by an
   * update drops its backoff.
   */
  async onDead(dead: DeadTask, signal: AbortSignal): Promise<void> {
    const { namespace, id } = dead;
    const key = `${namespace}/${id}`;
    this.d.fns.exited(namespace, id);
    const c = (await this.d.fns.containers(namespace)).find((x) => x.id === id);
    const name = c && functionOf(c);
    if (!name) {
      this.backoffs.delete(key);
      return;
    }
    this.d.resolver.invalidate(namespace, name);
    // An update, scale or delete stops replicas on purpose; a kept one starts its backoff afresh.
    if (this.d.guard.apiChange(namespace, name)) this.backoffs.delete(key);
    // Internal work (a start for an invocation) ends soon; the next re-check looks again.
    if (this.d.guard.busy(namespace, name)) return;
    const state = await this.stateOf(namespace, name, id);
    if (state === 'gone') this.backoffs.delete(key);
    if (state !== 'dead') return;
    const backoff = this.backoffOf(key);
    const wait = backoff.next();
    this.d.log.warn('function task exited; restarting', {
      namespace,
      function: name,
      container: id,
      reason: dead.reason === 'exit event' ? `exit status ${dead.exitStatus}` : dead.reason,
      in_ms: wait,
      attempt: backoff.attempt,
    });
    await this.sleep(wait, signal);
    if (signal.aborted || this.d.guard.busy(namespace, name)) return;
    await this.restart(namespace, name, id).catch((err: unknown) => {
      // The next re-check reports it again, and its backoff grows.
      this.d.log.error('function restart failed', {
        namespace,
        function: name,
        container: id,
        error: errorMessage(err),
      });
    });
  }

  private backoffOf(key: string): Backoff {
    let b = this.backoffs.get(key);
    if (!b) {
      b = new Backoff({
        baseMs: this.d.restartDelayMs ?? 250,
        capMs: RESTART_CAP_MS,
        stableMs: RESTART_STABLE_MS,
        ...(this.d.clock ? { clock: this.d.clock } : {}),
      });
      this.backoffs.set(key, b);
    }
    return b;
  }

  /** Starts the replica after any change of its function ends, if it still should run and does not. */
  private restart(namespace: string, name: string, id: string): Promise<void> {
    return this.d.guard.internal(namespace, name, async () => {
      if ((await this.stateOf(namespace, name, id)) !== 'dead') return;
      await this.startReplica(namespace, id);
      this.d.resolver.invalidate(namespace, name);
    });
  }

  /** Every start of a replica goes here, so its backoff counts the run from this start. */
  private async startReplica(namespace: string, id: string): Promise<void> {
    await this.d.fns.start(namespace, id);
    this.backoffs.get(`${namespace}/${id}`)?.started();
  }

  /**
   * Serving replicas that should run (replicas > 0) and whose task does not, of functions nobody is
   * changing: TaskWatcher's re-check, the safety net under the exit events, which containerd does not
   * promise. Also drops the backoffs of replicas that no longer exist.
   */
  async notRunning(): Promise<DeadTask[]> {
    const dead: DeadTask[] = [];
    const kept = new Set<string>();
    for (const ns of await this.d.namespaces.list()) {
      // Containers first: a task listed after them is seen even when it started in between.
      const groups = groupFunctions(await this.d.fns.containers(ns));
      const tasks = await this.d.fns.allTasks?.(ns);
      for (const g of groups.values()) {
        const head = primaryOf(g);
        if (!head || replicasOf(head) === 0) continue;
        for (const c of g.serving) kept.add(`${ns}/${c.id}`);
        if (this.d.guard.busy(ns, g.name)) continue;
        for (const c of g.serving) {
          const task = tasks ? tasks.get(c.id) : await this.d.fns.task(ns, c.id);
          if (task?.status === 'RUNNING') continue;
          const reason = task ? `task ${task.status.toLowerCase()}` : 'no task';
          dead.push({ namespace: ns, id: c.id, exitStatus: undefined, reason });
        }
      }
    }
    for (const key of this.backoffs.keys()) if (!kept.has(key)) this.backoffs.delete(key);
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
          await this.startReplica(namespace, c.id).catch(
            (err: unknown) => (failed ??= err instanceof Error ? err : new Error(String(err))),
          );
        }
        this.d.resolver.invalidate(namespace, name);
        if (failed) throw failed;
      })
      .finally(() => this.starts.delete(key));
    this.starts.set(key, started);
    return started;
  }
}
