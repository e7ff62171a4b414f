/** A source of milliseconds, so tests can move time by hand. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface HistoryOptions {
  bucketMs: number;
  buckets: number;
  /** The most functions remembered; the one invoked longest ago is forgotten first. */
  maxFunctions: number;
}

export const HISTORY_DEFAULTS: HistoryOptions = { bucketMs: 10_000, buckets: 30, maxFunctions: 500 };

/** Per function: invocations and 5xx answers per bucket, oldest first, the last bucket being now. */
export interface HistorySnapshot {
  bucketSeconds: number;
  functions: Record<string, { calls: number[]; errors: number[] }>;
}

interface Ring {
  last: number;
  calls: number[];
  errors: number[];
}

/**
 * The gateway's invocations over the last few minutes, for the portal's charts: fixed-size rings per
 * function (no timer: a bucket is cleared when time reaches it again), bounded in functions.
 */
export class InvocationHistory {
  private readonly rings = new Map<string, Ring>();

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly opts: HistoryOptions = HISTORY_DEFAULTS,
  ) {}

  observe(fn: string, code: number): void {
    const b = Math.floor(this.clock.now() / this.opts.bucketMs);
    let ring = this.rings.get(fn);
    if (!ring) {
      if (this.rings.size >= this.opts.maxFunctions) {
        const oldest = this.rings.keys().next();
        if (!oldest.done) this.rings.delete(oldest.value);
      }
      const zeros = () => new Array<number>(this.opts.buckets).fill(0);
      ring = { last: b, calls: zeros(), errors: zeros() };
      this.rings.set(fn, ring);
    } else if (ring.last !== b) {
      // Buckets skipped since the last call held nothing; at most one full turn needs clearing.
      for (let id = ring.last + 1; id <= b && id <= ring.last + this.opts.buckets; id++) {
        ring.calls[id % this.opts.buckets] = 0;
        ring.errors[id % this.opts.buckets] = 0;
      }
      ring.last = b;
      // Re-inserted so that Map order is least recently invoked first, for eviction.
      this.rings.delete(fn);
      this.rings.set(fn, ring);
    }
    const slot = b % this.opts.buckets;
    ring.calls[slot] = (ring.calls[slot] ?? 0) + 1;
    if (code >= 500) ring.errors[slot] = (ring.errors[slot] ?? 0) + 1;
  }

  snapshot(): HistorySnapshot {
    const now = Math.floor(this.clock.now() / this.opts.bucketMs);
    const n = this.opts.buckets;
    const functions: HistorySnapshot['functions'] = {};
    for (const [fn, ring] of this.rings) {
      const calls: number[] = [];
      const errors: number[] = [];
      for (let id = now - n + 1; id <= now; id++) {
        const live = id <= ring.last && id > ring.last - n;
        calls.push(live ? (ring.calls[id % n] ?? 0) : 0);
        errors.push(live ? (ring.errors[id % n] ?? 0) : 0);
      }
      functions[fn] = { calls, errors };
    }
    return { bucketSeconds: this.opts.bucketMs / 1000, functions };
  }
}
