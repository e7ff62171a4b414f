import type { LoadSample } from '../autoscaler/index.js';
import { ByFunction } from '../by-function.js';

/**
 * Per-function load as the provider's invoke path sees it (every invocation, sync or async, passes
 * there whether the gateway runs in this process or in front of it): requests in flight per replica
 * address, a request counter per function, the time of its last invocation. The autoscaler reads it;
 * no Prometheus round trip.
 */
export type FunctionLoad = LoadSample;

/** The address with the fewest requests in flight; ties go to the one listed first. */
export function leastLoaded(
  addresses: readonly string[],
  inflight: (address: string) => number,
): string | undefined {
  let best: string | undefined;
  let bestLoad = Infinity;
  for (const a of addresses) {
    const n = inflight(a);
    if (n < bestLoad) [best, bestLoad] = [a, n];
  }
  return best;
}

/**
 * The counters, bounded by the functions and replicas that exist: an entry is made only for an
 * address the provider handed out, and dropped when the function or replica goes (forget/retired).
 */
export class LoadTracker {
  private readonly fns = new ByFunction<FunctionLoad>();
  private readonly byAddress = new Map<string, number>();
  /** Rotates where ties start, so replicas with equal load take turns (sequential callers see 0 each). */
  private turn = 0;
  /** Addresses being drained: never chosen again; waiters hear when their last request ends. */
  private readonly draining = new Map<string, Set<() => void>>();

  constructor(private readonly now: () => number = Date.now) {}

  private fn(namespace: string, name: string): FunctionLoad {
    let f = this.fns.get(namespace, name);
    if (!f) {
      f = { requests: 0, inflight: 0, lastActive: this.now(), waiting: 0 };
      this.fns.set(namespace, name, f);
    }
    return f;
  }

  inflight(address: string): number {
    return this.byAddress.get(address) ?? 0;
  }

  isDraining(address: string): boolean {
    return this.draining.has(address);
  }

  /**
   * The least loaded of `addresses` that is not being drained; ties go to the first from a starting
   * point that turns with each call. Walks the list in place (it runs on every invocation).
   */
  choose(addresses: readonly string[]): string | undefined {
    const open = (a: string) => this.draining.size === 0 || !this.draining.has(a);
    let count = 0;
    for (const a of addresses) if (open(a)) count++;
    if (count === 0) return undefined;
    const start = this.turn++ % count;
    let best: string | undefined;
    let bestLoad = Infinity;
    // The open addresses from `start` to the end, then those before it.
    for (const fromStart of [true, false]) {
      let i = 0;
      for (const a of addresses) {
        if (!open(a)) continue;
        if (i++ >= start !== fromStart) continue;
        const n = this.inflight(a);
        if (n < bestLoad) {
          best = a;
          bestLoad = n;
        }
      }
    }
    return best;
  }

  /** Someone asked for the function: it is not idle. */
  touch(namespace: string, name: string): void {
    this.fn(namespace, name).lastActive = this.now();
  }

  /** An invocation waits for a replica (endpoint); `leave` when it has one or gave up. */
  enter(namespace: string, name: string): void {
    const f = this.fn(namespace, name);
    f.waiting++;
    f.lastActive = this.now();
  }

  leave(namespace: string, name: string): void {
    const f = this.fn(namespace, name);
    f.waiting = Math.max(0, f.waiting - 1);
    f.lastActive = this.now();
  }

  begin(namespace: string, name: string, address: string): void {
    this.started(this.fn(namespace, name), address);
  }

  end(namespace: string, name: string, address: string): void {
    this.ended(this.fn(namespace, name), address);
  }

  private started(f: FunctionLoad, address: string): void {
    f.requests++;
    f.inflight++;
    f.lastActive = this.now();
    this.byAddress.set(address, this.inflight(address) + 1);
  }

  private ended(f: FunctionLoad, address: string): void {
    f.inflight = Math.max(0, f.inflight - 1);
    f.lastActive = this.now();
    const n = this.inflight(address) - 1;
    if (n > 0) return void this.byAddress.set(address, n);
    this.byAddress.delete(address);
    for (const wake of this.draining.get(address) ?? []) wake();
  }

  /**
   * Runs one request against `address`, counted in flight while it runs. The function's record is looked
   * up once for both ends; one forgotten meanwhile (deleted) is not made again by the end. `failed` sees
   * a failure before it is passed on (the resolver's: one promise less per invocation than a catch).
   */
  track<T>(
    namespace: string,
    name: string,
    address: string,
    run: () => Promise<T>,
    failed?: (err: unknown) => void,
  ): Promise<T> {
    const f = this.fn(namespace, name);
    this.started(f, address);
    let running: Promise<T>;
    try {
      running = run();
    } catch (err) {
      this.ended(f, address);
      throw err;
    }
    return running.then(
      (v) => {
        this.ended(f, address);
        return v;
      },
      (err: unknown) => {
        this.ended(f, address);
        failed?.(err);
        throw err;
      },
    );
  }

  load(namespace: string, name: string): FunctionLoad {
    return { ...this.fn(namespace, name) };
  }

  /**
   * Stops choosing `address` and resolves once its requests in flight are done, or after `timeoutMs`
   * (then with the number still running). The mark stays until retired(): a late lookup must not pick it.
   */
  drain(address: string, timeoutMs: number): Promise<number> {
    const waiters = this.draining.get(address) ?? new Set<() => void>();
    this.draining.set(address, waiters);
    if (this.inflight(address) === 0) return Promise.resolve(0);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve(this.inflight(address));
      };
      const timer = setTimeout(done, timeoutMs);
      waiters.add(done);
    });
  }

  /** The drained replica is gone: its address may be handed to a new container, so it starts clean. */
  retired(address: string): void {
    for (const wake of this.draining.get(address) ?? []) wake();
    this.draining.delete(address);
    this.byAddress.delete(address);
  }

  /** The function is gone. */
  forget(namespace: string, name: string): void {
    this.fns.delete(namespace, name);
  }

  functions(): { namespace: string; name: string }[] {
    return this.fns.keys();
  }
}
