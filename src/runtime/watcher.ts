import { setTimeout as delay } from 'node:timers/promises';
import type { ContainerdEvent } from '../containerd/index.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { Backoff } from './backoff.js';

/** A task that should run and does not. */
export interface DeadTask {
  namespace: string;
  /** The container's ID. */
  id: string;
  /** From the exit event or the stopped task's record; undefined when there is no task at all. */
  exitStatus: number | undefined;
  /** How it was found, for the log: `exit event`, `task stopped`, `no task`. */
  reason: string;
}

/** What the watcher needs of containerd's events (Containerd.events is one). */
export interface ExitEventSource {
  subscribe(filters: string[], signal?: AbortSignal): AsyncIterable<ContainerdEvent>;
}

export interface WatcherOptions {
  events: ExitEventSource;
  /**
   * The namespaces whose task exits are followed: a list (filtered by containerd), a test of each
   * event's namespace (for a set that changes while the watcher runs, such as function namespaces
   * created through the API), or undefined: every namespace.
   */
  namespaces?: readonly string[] | ((namespace: string) => boolean) | undefined;
  /**
   * The tasks that should run and do not (one tasks.List per namespace is cheap). Called after every
   * (re)subscription and every `recheckIntervalMs`: containerd does not promise an exit event.
   */
  recheck(): Promise<DeadTask[]>;
  /**
   * A dead task. While the returned promise is pending (a restart waiting out its backoff), the same
   * task is not reported again; the signal aborts when the watcher stops.
   */
  onDead(dead: DeadTask, signal: AbortSignal): Promise<void> | void;
  /** A task its owner is changing itself (an update, a delete): its exits are not reported. */
  busy?(namespace: string, id: string): boolean;
  /** The event stream was lost (containerd away or restarting): cached addresses may be stale. */
  onLost?(): void;
  log: Logger;
  /** Default 5 s. */
  recheckIntervalMs?: number;
  /** Between reconnects to containerd's events; default from 200 ms doubling to 5 s. */
  reconnect?: Backoff;
}

const key = (namespace: string, id: string) => `${namespace}/${id}`;

/**
 * The one keep-alive watcher (issue #13 item 6): follows containerd's task-exit events for a set of
 * namespaces, re-checks on an interval, and reports each dead task once to its owner, who decides
 * whether and when to restart it. Outlives containerd outages of any length.
 */
export class TaskWatcher {
  private readonly ctl = new AbortController();
  private readonly handling = new Map<string, Promise<void>>();
  private readonly reconnect: Backoff;
  private running: Promise<void> | undefined;

  constructor(private readonly o: WatcherOptions) {
    this.reconnect = o.reconnect ?? new Backoff({ baseMs: 200, capMs: 5_000 });
  }

  start(): void {
    this.running ??= Promise.all([this.follow(), this.sweep()]).then(() => undefined);
  }

  /** Stops watching and waits for the handlers still running (their signal is aborted). */
  async stop(): Promise<void> {
    this.ctl.abort();
    await this.running;
    await Promise.allSettled([...this.handling.values()]);
  }

  /** Reports a dead task unless it is busy or already being handled. */
  report(dead: DeadTask): void {
    const k = key(dead.namespace, dead.id);
    if (this.ctl.signal.aborted || this.handling.has(k) || this.o.busy?.(dead.namespace, dead.id)) return;
    let handled: Promise<void>;
    try {
      handled = Promise.resolve(this.o.onDead(dead, this.ctl.signal));
    } catch (err) {
      handled = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const done = handled
      .catch((err: unknown) => {
        this.o.log.error('handling a dead task failed', {
          namespace: dead.namespace,
          container: dead.id,
          error: errorMessage(err),
        });
      })
      .finally(() => this.handling.delete(k));
    this.handling.set(k, done);
  }

  private filters(): string[] {
    const exit = 'topic=="/tasks/exit"';
    const ns = this.o.namespaces;
    // A test runs on our side: containerd sends every exit.
    if (ns === undefined || typeof ns === 'function') return [exit];
    return ns.map((n) => `${exit},namespace==${n}`);
  }

  /** Whether an event's namespace is followed (containerd already filters a fixed list). */
  private follows(namespace: string): boolean {
    const ns = this.o.namespaces;
    if (ns === undefined) return true;
    return typeof ns === 'function' ? ns(namespace) : ns.includes(namespace);
  }

  private async recheck(): Promise<void> {
    for (const dead of await this.o.recheck()) this.report(dead);
  }

  /** The safety net under the events: a re-check every interval until stopped. */
  private async sweep(): Promise<void> {
    const signal = this.ctl.signal;
    while (!signal.aborted) {
      await delay(this.o.recheckIntervalMs ?? 5_000, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      // containerd away: the events loop says so, and re-checks when it is back.
      await this.recheck().catch(() => undefined);
    }
  }

  /** Follows task exits; when the stream ends or fails, reconnects with backoff, as long as it takes. */
  private async follow(): Promise<void> {
    const signal = this.ctl.signal;
    while (!signal.aborted) {
      // One subscription per round, ended with the round: a re-check that fails must not leave it open.
      const round = new AbortController();
      const endRound = () => round.abort();
      signal.addEventListener('abort', endRound, { once: true });
      let lost: unknown;
      try {
        const events = this.o.events.subscribe(this.filters(), round.signal);
        // Subscribed first, then re-checked: an exit in between is in the stream.
        await this.recheck();
        this.reconnect.reset();
        for await (const ev of events) {
          if (ev.topic !== '/tasks/exit' || !('exitStatus' in ev) || !ev.containerId) continue;
          if (!this.follows(ev.namespace)) continue;
          // An exec'd process (a health check) exiting is not the task exiting.
          if (ev.processId !== ev.containerId) continue;
          this.report({
            namespace: ev.namespace,
            id: ev.containerId,
            exitStatus: ev.exitStatus,
            reason: 'exit event',
          });
        }
      } catch (err) {
        lost = err;
      } finally {
        signal.removeEventListener('abort', endRound);
        round.abort();
      }
      if (signal.aborted) return;
      this.o.onLost?.();
      const wait = this.reconnect.next();
      // A containerd restart can also end the stream cleanly.
      if (lost === undefined) this.o.log.warn('containerd events ended; reconnecting', { in_ms: wait });
      else
        this.o.log.warn('lost containerd events; reconnecting', { error: errorMessage(lost), in_ms: wait });
      await delay(wait, undefined, { signal }).catch(() => undefined);
    }
  }
}
