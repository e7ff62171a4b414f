import { request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../log.js';
import { errorMessage } from '../errors.js';
import { Gate } from './gate.js';

/** What one probe of a function's port saw. */
export type ProbeAnswer =
  | { kind: 'refused' }
  | { kind: 'status'; status: number }
  /** Connected, but no HTTP answer in time (or the connection broke). */
  | { kind: 'no-answer' };

/** Both OpenFaaS watchdogs serve it: 503 until the function process is up (of-watchdog: 429 when saturated). */
export const HEALTH_PATH = '/_/health';

/**
 * Ready: the port accepts and GET /_/health answers anything but 503. A watchdog answers 503 until its
 * function is ready; a server without that route answers 404 (or its own page), which counts as ready.
 */
export function isReadyAnswer(a: ProbeAnswer): boolean {
  return a.kind === 'status' && a.status !== 503;
}

/** One GET /_/health on a fresh connection, bounded by `timeoutMs`. */
export function probeHealth(host: string, port: number, timeoutMs: number): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const req = request(
      { host, port, path: HEALTH_PATH, method: 'GET', agent: false, headers: { connection: 'close' } },
      (res) => {
        res.resume();
        clearTimeout(timer);
        resolve({ kind: 'status', status: res.statusCode ?? 0 });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error('no answer')), timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'no-answer' });
    });
    req.end();
  });
}

export interface ReadinessDeps {
  probe(host: string, port: number): Promise<ProbeAnswer>;
  /** The pid of the container's running task; undefined when none runs. */
  runningPid(namespace: string, id: string): Promise<number | undefined>;
  port: number;
  log: Logger;
  /** Probe interval: from `firstMs` (default 10), doubling up to `maxMs` (default 200). */
  firstMs?: number;
  maxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Probes in flight at once (default 32). A daemon restarted with a thousand running functions adopts
   * and probes them all at once (issue #16): unbounded, that was a thousand connects in one burst.
   */
  maxProbes?: number;
}

export type ReadyOutcome = 'ready' | 'exited' | 'timeout';

interface Watch {
  pid: number;
  ip: string;
  ready: boolean;
  ended: boolean;
  probing: boolean;
  since: number;
  /** How long the task start took (for the "function ready" line), when the starter timed it. */
  startMs: number | undefined;
  probes: number;
  waiters: Set<(o: 'ready' | 'exited') => void>;
}

/**
 * Which running tasks are ready. A task is probed from its start until it is ready (bounded interval),
 * and again after a refused connect; probing stops when the task exits or is forgotten. Keyed by task
 * pid: a restarted task is a new one, not ready until probed.
 */
export class Readiness {
  private readonly watches = new Map<string, Watch>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly gate: Gate;

  constructor(private readonly d: ReadinessDeps) {
    this.sleep = d.sleep ?? ((ms) => delay(ms));
    this.gate = new Gate(d.maxProbes ?? 32);
  }

  private key(namespace: string, id: string): string {
    return `${namespace}/${id}`;
  }

  isReady(namespace: string, id: string, pid: number): boolean {
    const w = this.watches.get(this.key(namespace, id));
    return w !== undefined && w.pid === pid && w.ready && !w.ended;
  }

  /**
   * The container's task is watched and answered ready, whatever its pid: what a list reports without
   * asking containerd (an exit ends the watch through forget, or the 5 s sweep when no event came).
   */
  readyNow(namespace: string, id: string): boolean {
    const w = this.watches.get(this.key(namespace, id));
    return w !== undefined && w.ready && !w.ended;
  }

  /**
   * Starts probing the task unless it already is (a new pid replaces the old task's watch). `startMs`:
   * how long its start took, logged with the time to ready (where a scale from zero spends its time).
   */
  watch(namespace: string, id: string, ip: string, pid: number, startMs?: number): void {
    const k = this.key(namespace, id);
    const w = this.watches.get(k);
    if (w && w.pid === pid && w.ip === ip && !w.ended) return;
    if (w) this.end(k, w);
    const fresh: Watch = {
      pid,
      ip,
      ready: false,
      ended: false,
      probing: false,
      since: Date.now(),
      startMs,
      probes: 0,
      waiters: new Set(),
    };
    this.watches.set(k, fresh);
    void this.probe(namespace, id, fresh);
  }

  /** A connect to the task was refused: not ready until a probe says so again. Never a kill. */
  suspect(namespace: string, id: string): void {
    const w = this.watches.get(this.key(namespace, id));
    if (!w || w.ended || !w.ready) return;
    w.ready = false;
    w.since = Date.now();
    this.d.log.warn('function not ready: a connect was refused; probing again', { namespace, container: id });
    void this.probe(namespace, id, w);
  }

  /** A connect to `ip` (one of the namespace's replicas) was refused: as suspect() for that replica. */
  suspectAddress(namespace: string, ip: string): void {
    for (const [k, w] of this.watches)
      if (w.ip === ip && k.startsWith(`${namespace}/`))
        this.suspect(namespace, k.slice(namespace.length + 1));
  }

  /**
   * Waits until one of the watched tasks is ready ('ready'), all have exited ('exited'), or `timeoutMs`
   * passes. Every waiter it adds is removed when it settles.
   */
  waitAnyReady(namespace: string, ids: readonly string[], timeoutMs: number): Promise<ReadyOutcome> {
    const ws = ids.map((id) => this.watches.get(this.key(namespace, id))).filter((w) => w && !w.ended);
    const live = ws as Watch[];
    if (live.some((w) => w.ready)) return Promise.resolve('ready');
    if (live.length === 0) return Promise.resolve('exited');
    // An invocation waits on these: their queued probes go first (after a restart, behind a thousand).
    for (const id of ids) this.gate.hurry(this.key(namespace, id));
    return new Promise((resolve) => {
      let open = live.length;
      const finish = (o: ReadyOutcome) => {
        clearTimeout(timer);
        for (const w of live) w.waiters.delete(hear);
        resolve(o);
      };
      const hear = (o: 'ready' | 'exited') => {
        if (o === 'ready') finish('ready');
        else if (--open === 0) finish('exited');
      };
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      for (const w of live) w.waiters.add(hear);
    });
  }

  /** The task exited or the container is going: stop probing; waiters hear 'exited'. */
  forget(namespace: string, id: string): void {
    const k = this.key(namespace, id);
    const w = this.watches.get(k);
    if (w) this.end(k, w);
  }

  /** Waits until the watched task is ready, exits, or `timeoutMs` passes. Not watched: 'exited'. */
  waitReady(namespace: string, id: string, timeoutMs: number): Promise<ReadyOutcome> {
    const w = this.watches.get(this.key(namespace, id));
    if (!w || w.ended) return Promise.resolve('exited');
    if (w.ready) return Promise.resolve('ready');
    return new Promise((resolve) => {
      const done = (o: ReadyOutcome) => {
        clearTimeout(timer);
        w.waiters.delete(done);
        resolve(o);
      };
      const timer = setTimeout(() => done('timeout'), timeoutMs);
      w.waiters.add(done);
    });
  }

  private end(k: string, w: Watch): void {
    w.ended = true;
    if (this.watches.get(k) === w) this.watches.delete(k);
    for (const f of [...w.waiters]) f('exited');
  }

  private async probe(namespace: string, id: string, w: Watch): Promise<void> {
    if (w.probing) return;
    w.probing = true;
    const k = this.key(namespace, id);
    // The first probe goes right after the task starts. Then short, growing gaps: a function that starts
    // in about a second (a Node template) is seen ready within 200 ms of answering, not 500 (issue #13),
    // and a refused connect on our own bridge costs little.
    let interval = this.d.firstMs ?? 10;
    try {
      while (!w.ended && !w.ready) {
        const answer = await this.gate.run(() => this.d.probe(w.ip, this.d.port), k);
        w.probes++;
        if (w.ended) return;
        if (isReadyAnswer(answer)) {
          w.ready = true;
          this.d.log.info('function ready', {
            namespace,
            container: id,
            pid: w.pid,
            start_ms: w.startMs,
            after_ms: Date.now() - w.since,
            probes: w.probes,
          });
          for (const f of [...w.waiters]) f('ready');
          return;
        }
        const pid = await this.d.runningPid(namespace, id).catch((err: unknown) => {
          this.d.log.warn('readiness: cannot see the task; probing on', {
            namespace,
            container: id,
            error: errorMessage(err),
          });
          return w.pid;
        });
        if (pid !== w.pid) {
          this.end(k, w);
          return;
        }
        await this.sleep(interval);
        interval = Math.min(this.d.maxMs ?? 200, interval * 2);
      }
    } finally {
      w.probing = false;
    }
  }
}
