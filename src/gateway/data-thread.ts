import type { Server } from 'node:http';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { ServerLimits } from '../http/index.js';
import type { Logger } from '../log.js';
import { applyBatch, type DataSink } from './data-batch.js';
import { setBothServing } from './connection-balance.js';
import type { DataWorkerData, FromDataThread, ToDataThread } from './data-worker.js';
import { routeSnapshot } from './route-table.js';
import { BusyTrigger, TRIGGER_DEFAULTS, type TriggerOptions } from './data-thread-trigger.js';
import type { EchoHelper } from './shared-listener.js';
import { echoHelper, type WorkerCode } from './data-worker-code.js';

/** The provider's resolver as the data-path thread needs it (provider/resolver.ts). */
export interface RouteSource {
  onChange(listener: () => void): () => void;
  cachedRoutes(): Iterable<{ namespace: string; name: string; addresses: readonly string[] }>;
  load: DataSink['load'] & { isDraining(address: string): boolean };
}

export interface DataThreadOptions {
  /** The main thread's listening servers: the thread accepts on duplicates of their sockets. */
  listeners: Pick<Server, 'maxConnections'>[];
  /** The main thread's gateway on loopback, for what the thread hands over. */
  relayPort: number;
  counts: Int32Array;
  routes: RouteSource;
  /** Where batches go: the gateway's metrics, the load tracker, refused replicas. */
  sink: Omit<DataSink, 'load'>;
  settings: Pick<
    DataWorkerData,
    | 'limits'
    | 'upstreamTimeoutMs'
    | 'functionPort'
    | 'functionMaxConnections'
    | 'defaultNamespace'
    | 'stopGraceMs'
  > & { limits: ServerLimits };
  log: Logger;
  code: WorkerCode;
  echo?: EchoHelper;
  /** Restarts after the thread died, at most this many (then the main thread serves alone). */
  maxRestarts?: number;
  /** How long the thread may take to listen. */
  startTimeoutMs?: number;
  /** Told when the thread starts serving (the main thread's balance looks at its connections again). */
  onServing?: () => void;
  /** Invocations the main thread has served (a counter): the trigger starts the thread for those only. */
  invocations?: () => number;
}

type Outstanding = Map<string, { namespace: string; name: string; address: string; n: number }>;

/**
 * The main thread's side of the data-path thread (issue #12): starts it after the gateway listens,
 * pushes a route snapshot on every change of the resolver's cache, applies its batches, restarts it
 * (bounded) when it dies, and stops it before the gateway closes. The thread never closes a descriptor
 * of the main thread's (shared-listener.ts), so its death leaves the port serving.
 */
export class DataThread {
  private worker: Worker | undefined;
  private version = 0;
  private restarts = 0;
  /** stop() was called: no start, no restart again. */
  private closed = false;
  /** The thread is being stopped on purpose (idle, or stop()): its exit is not a death. */
  private retiring = false;
  private starting: Promise<void> | undefined;
  private trigger: ReturnType<typeof setInterval> | undefined;
  private batches = 0;
  /** Died more than maxRestarts times: not started again (the main thread serves alone). */
  private gaveUp = false;
  private pushPending = false;
  private unsubscribe: (() => void) | undefined;
  /** Requests the thread began and has not ended, per replica: ended here if it dies. */
  private readonly outstanding: Outstanding = new Map();
  /** Each listener's connection cap as the main thread has it alone (read at the first start). */
  private caps: number[] | undefined;

  constructor(private readonly o: DataThreadOptions) {}

  /** Starts the thread now. */
  async start(): Promise<void> {
    this.unsubscribe ??= this.o.routes.onChange(() => this.schedulePush());
    await this.ensureRunning();
  }

  /**
   * Starts the thread only while the main thread is busy, and stops it after a quiet spell
   * (data-thread-trigger.ts: it costs ~20 MB of PSS). Keep-alive connections open before it started are
   * moved to it by the balance (onServing).
   */
  startWhenBusy(o: TriggerOptions = TRIGGER_DEFAULTS): void {
    this.unsubscribe ??= this.o.routes.onChange(() => this.schedulePush());
    const trigger = new BusyTrigger(o);
    let last: EventLoopUtilization = performance.eventLoopUtilization();
    let calls = this.o.invocations?.() ?? 0;
    this.trigger = setInterval(() => {
      const now = performance.eventLoopUtilization();
      const used = performance.eventLoopUtilization(now, last).utilization;
      last = now;
      const served = this.batches > 0;
      this.batches = 0;
      const nowCalls = this.o.invocations?.() ?? 0;
      const action = trigger.sample(used, this.worker !== undefined, served, nowCalls - calls);
      calls = nowCalls;
      if (action === 'start') {
        this.o.log.info('main thread busy; starting the data-path thread', { utilisation: used.toFixed(2) });
        this.ensureRunning().catch((err: unknown) =>
          this.o.log.error('data-path thread did not start', { error: (err as Error).message }),
        );
      } else if (action === 'stop') {
        this.o.log.info('quiet; stopping the data-path thread', { idle_ms: o.idleStopMs });
        void this.retire();
      }
    }, o.sampleMs);
    this.trigger.unref();
  }

  private ensureRunning(): Promise<void> {
    // (Retiring: the next busy sample starts a new one, once this one is gone.)
    if (this.closed || this.retiring || this.gaveUp) return Promise.resolve();
    if (this.worker && !this.retiring) return this.starting ?? Promise.resolve();
    this.starting = this.spawn().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private schedulePush(): void {
    if (this.pushPending) return;
    this.pushPending = true;
    // Coalesced: a deploy invalidates several times in one turn.
    setImmediate(() => {
      this.pushPending = false;
      this.push();
    });
  }

  private push(): void {
    const { routes } = this.o;
    const routesMsg: ToDataThread = {
      routes: routeSnapshot(++this.version, routes.cachedRoutes(), (a) => routes.load.isDraining(a)),
    };
    this.worker?.postMessage(routesMsg);
  }

  private onBatch(m: Extract<FromDataThread, { batch: unknown }>): void {
    for (const d of m.batch.load) {
      const key = `${d.namespace}/${d.name}/${d.address}`;
      const o = this.outstanding.get(key) ?? {
        namespace: d.namespace,
        name: d.name,
        address: d.address,
        n: 0,
      };
      o.n += d.begun - d.ended;
      if (o.n === 0) this.outstanding.delete(key);
      else this.outstanding.set(key, o);
    }
    this.batches++;
    applyBatch(m.batch, { ...this.o.sink, load: this.o.routes.load });
  }

  /**
   * One connection cap for the port, not one per thread: while the thread serves, the main thread's
   * servers take the larger half of each cap and the thread's the rest (limits.ts bounds connections
   * by the process's descriptors, which both threads share).
   */
  private shareCaps(shared: boolean): void {
    this.o.listeners.forEach((s, i) => {
      const cap = this.caps?.[i] ?? 0;
      if (cap > 0) s.maxConnections = shared ? cap - Math.floor(cap / 2) : cap;
    });
  }

  private spawn(): Promise<void> {
    this.caps ??= this.o.listeners.map((s) => s.maxConnections);
    const cap = Math.min(...this.caps.filter((c) => c > 0));
    const data: DataWorkerData = {
      kind: 'faasd-data-path',
      listenFds: this.o.listeners.map((s) => (s as unknown as { _handle: { fd: number } })._handle.fd),
      relayPort: this.o.relayPort,
      counts: this.o.counts,
      echo: this.o.echo ?? echoHelper(),
      ...this.o.settings,
      limits: {
        ...this.o.settings.limits,
        ...(Number.isFinite(cap) ? { maxConnections: Math.max(1, Math.floor(cap / 2)) } : {}),
      },
    };
    const code = this.o.code;
    const worker =
      'file' in code
        ? new Worker(code.file, { workerData: data })
        : new Worker(code.eval, { eval: true, workerData: data });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`the gateway's data-path thread did not listen in ${this.o.startTimeoutMs ?? 15_000} ms`),
        );
        void worker.terminate();
      }, this.o.startTimeoutMs ?? 15_000);
      worker.on('message', (m: FromDataThread) => {
        if ('listening' in m) {
          clearTimeout(timer);
          this.o.log.info('data-path thread listening', { thread: worker.threadId });
          setBothServing(this.o.counts, true);
          this.shareCaps(true);
          this.o.onServing?.();
          this.push();
          resolve();
        } else if ('batch' in m) this.onBatch(m);
      });
      worker.on('error', (err) => {
        clearTimeout(timer);
        this.o.log.error('data-path thread failed', { error: err.message });
        reject(err);
      });
      worker.on('exit', (code) => {
        clearTimeout(timer);
        this.exited(worker, code);
      });
    });
  }

  /** The thread is gone: what it had in flight is ended, its connections no longer count, maybe again. */
  private exited(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const o of this.outstanding.values())
      for (let i = 0; i < o.n; i++) this.o.routes.load.end(o.namespace, o.name, o.address);
    this.outstanding.clear();
    setBothServing(this.o.counts, false);
    this.shareCaps(false);
    if (this.closed || this.retiring) {
      this.retiring = false;
      return;
    }
    const max = this.o.maxRestarts ?? 5;
    if (this.restarts >= max) {
      this.gaveUp = true;
      this.o.log.error('data-path thread exited; not restarted (the main thread serves alone)', {
        code,
        restarts: this.restarts,
      });
      return;
    }
    this.restarts++;
    this.o.log.warn('data-path thread exited; restarting it', { code, restart: this.restarts, of: max });
    this.spawn().catch((err: unknown) =>
      this.o.log.error('data-path thread did not start again', { error: (err as Error).message }),
    );
  }

  /** Stops the thread: it stops accepting, finishes what is in flight (bounded), sends its last batch. */
  private async retire(): Promise<void> {
    const worker = this.worker;
    if (!worker || this.retiring) return;
    this.retiring = true;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const stopped = new Promise<void>((resolve) =>
      worker.on('message', (m: FromDataThread) => 'stopped' in m && resolve()),
    );
    const stopMsg: ToDataThread = { stop: true };
    worker.postMessage(stopMsg);
    const grace = this.o.settings.stopGraceMs + 2000;
    await Promise.race([stopped, exited, new Promise((r) => setTimeout(r, grace).unref())]);
    await worker.terminate();
    await exited;
  }

  /** Stops the thread for good (the gateway is closing). */
  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.trigger);
    this.unsubscribe?.();
    await this.starting?.catch(() => undefined);
    await this.retire();
  }
}
