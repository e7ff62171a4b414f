import { UpstreamPool } from './upstream-pool.js';

export interface PoolOptions {
  /** Connections one function may hold to one address at once; more requests to it wait (in its own queue). */
  socketsPerKey: number;
  /** How long an idle kept-alive connection is kept (shorter when the server's Keep-Alive says so). */
  idleSocketMs: number;
  /** Pools kept; past it, pools with nothing in flight are dropped (oldest use first). */
  maxPools: number;
  /** A pool not used for this long is dropped (0: never); each holds a little even with no connection. */
  idleDropMs: number;
  /** Nothing read from or written to the function for this long: the request fails (0: no limit). */
  timeoutMs: number;
}

export const POOL_DEFAULTS: PoolOptions = {
  socketsPerKey: 256,
  // Below the idle timeout of the usual function servers (Node's 5 s, the Go watchdog's read timeout of
  // 10 s), so we close an idle connection before the function does.
  idleSocketMs: 4_000,
  // One pool per replica address: a host holds up to ~1,000 functions (a Linux bridge has at most 1,024
  // ports). At 256, invoking 1,000 functions dropped and rebuilt a pool (and its connection) nearly
  // every call, and each drop scanned all pools (issue #16: a third of the daemon's CPU in the first
  // invocations after a start at N = 1,000).
  maxPools: 1024,
  idleDropMs: 60_000,
  timeoutMs: 60_000,
};

/** How often idle pools are looked for. */
const SWEEP_MS = 10_000;

/** How long a connect to a function may take (undici's default, which this replaced). */
const CONNECT_TIMEOUT_MS = 10_000;

/** One address's connections and the requests it has in flight (counted here: cheaper and exact). */
export interface PoolEntry {
  readonly pool: UpstreamPool;
  inFlight: number;
  used: number;
}

/** key → port → host → pool: found from the strings a request holds, no origin URL built per request. */
type ByPort = Map<number, Map<string, PoolEntry>>;

/**
 * One connection pool per function and address, so a slow function fills only its own pool and never
 * delays another's calls (issue #17 item 2: one shared pool of 256 sockets did). Keyed by namespace/name
 * first: an update gives the function a new address, and its traffic stays in pools of its own.
 */
export class ProxyPools {
  private readonly byKey = new Map<string, ByPort>();
  private count = 0;
  private tick = 0;
  /** The use counter at each sweep, oldest first: a pool last used before the first is idle that long. */
  private readonly marks: number[] = [];
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: PoolOptions = POOL_DEFAULTS) {
    if (opts.idleDropMs > 0) this.timer = setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  /**
   * Drops pools nothing used for idleDropMs (run every 10 s; no clock read per request: the use
   * counter is compared with its value idleDropMs ago). Their connections closed after idleSocketMs.
   */
  sweep(): void {
    this.marks.push(this.tick);
    if (this.marks.length <= Math.ceil(this.opts.idleDropMs / SWEEP_MS)) return;
    const before = this.marks.shift() ?? 0;
    for (const e of [...this.entries()]) if (e.entry.inFlight === 0 && e.entry.used <= before) this.drop(e);
  }

  get(key: string, host: string, port: number): PoolEntry {
    let ports = this.byKey.get(key);
    let hosts = ports?.get(port);
    let entry = hosts?.get(host);
    if (!entry) {
      entry = {
        pool: new UpstreamPool(host, port, {
          connections: this.opts.socketsPerKey,
          idleSocketMs: this.opts.idleSocketMs,
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
        }),
        inFlight: 0,
        used: 0,
      };
      if (!ports) this.byKey.set(key, (ports = new Map<number, Map<string, PoolEntry>>()));
      if (!hosts) ports.set(port, (hosts = new Map<string, PoolEntry>()));
      hosts.set(host, entry);
      this.count++;
      this.trim(entry);
    }
    // A counter, not a reorder of the map on every request: only trim() needs the order.
    entry.used = ++this.tick;
    return entry;
  }

  /** Every pool of `key` (or of all keys), with where it is filed. */
  private *entries(only?: string): Generator<{ key: string; port: number; host: string; entry: PoolEntry }> {
    const keys: Iterable<[string, ByPort]> = only
      ? [[only, this.byKey.get(only) ?? new Map<number, Map<string, PoolEntry>>()]]
      : this.byKey;
    for (const [key, ports] of keys)
      for (const [port, hosts] of ports) for (const [host, entry] of hosts) yield { key, port, host, entry };
  }

  /** Requests in flight (or waiting for a connection) for `key`, over all its addresses. */
  inFlight(key: string): number {
    let n = 0;
    for (const { entry } of this.entries(key)) n += entry.inFlight;
    return n;
  }

  get size(): number {
    return this.count;
  }

  /** Drops idle pools past the bound, least recently used first; a busy pool is kept (those are bounded by the server's connection cap). */
  private trim(keep: PoolEntry): void {
    while (this.count > this.opts.maxPools) {
      let oldest: { key: string; port: number; host: string; entry: PoolEntry } | undefined;
      for (const e of this.entries())
        if (e.entry !== keep && e.entry.inFlight === 0 && (!oldest || e.entry.used < oldest.entry.used))
          oldest = e;
      if (!oldest) return;
      this.drop(oldest);
    }
  }

  private drop({
    key,
    port,
    host,
    entry,
  }: {
    key: string;
    port: number;
    host: string;
    entry: PoolEntry;
  }): void {
    const ports = this.byKey.get(key);
    const hosts = ports?.get(port);
    hosts?.delete(host);
    if (hosts?.size === 0) ports?.delete(port);
    if (ports?.size === 0) this.byKey.delete(key);
    this.count--;
    entry.pool.destroy(); // idle: nothing in flight to fail
  }

  close(): void {
    clearInterval(this.timer);
    for (const { entry } of this.entries()) entry.pool.destroy();
    this.byKey.clear();
    this.count = 0;
  }
}
