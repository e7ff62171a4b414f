import { LoadTracker } from './balancer.js';
import { UpstreamError } from '../http/index.js';
import { ByFunction } from '../by-function.js';

/**
 * Where to send a function's traffic, cached in memory so the invoke hot path makes no containerd call:
 * the addresses of its ready replicas, each lookup answering the one with the fewest requests in flight
 * (balancer.ts). Entries are dropped on deploy, update (when the new version takes over), delete, scale
 * and task exits; the lookup answers only with ready replicas.
 */
export class Resolver {
  private readonly cache = new ByFunction<string[]>();
  /** Bumped by every invalidate: a lookup that began before one must not cache its (old) answer. */
  private epoch = 0;
  readonly load: LoadTracker;
  /** Told after every change of the cache: the gateway's data-path thread mirrors it (issue #12). */
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly lookup: (namespace: string, name: string) => Promise<string[]>,
    load = new LoadTracker(),
    /** A replica whose connect was refused: not ready until probed again (FunctionService wires it). */
    private onRefused: (namespace: string, name: string, address: string) => void = () => {},
  ) {
    this.load = load;
  }

  /** Set once FunctionService exists (it is built with this resolver). */
  whenRefused(f: (namespace: string, name: string, address: string) => void): void {
    this.onRefused = f;
  }

  /** Calls `listener` after every change of the cached addresses; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Every cached function with its ready addresses (the data-path thread's route snapshot). */
  cachedRoutes(): { namespace: string; name: string; addresses: readonly string[] }[] {
    return this.cache
      .keys()
      .map(({ namespace, name }) => ({ namespace, name, addresses: this.cache.get(namespace, name) ?? [] }));
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** The cached answer, without a promise (the invoke hot path); undefined when resolve() must look. */
  resolveCached(namespace: string, name: string): string | undefined {
    const hit = this.cache.get(namespace, name);
    return hit && this.load.choose(hit);
  }

  async resolve(namespace: string, name: string): Promise<string | undefined> {
    const chosen = this.resolveCached(namespace, name);
    if (chosen) return chosen;
    const epoch = this.epoch;
    const ready = await this.lookup(namespace, name);
    if (ready.length && epoch === this.epoch) {
      this.cache.set(namespace, name, ready);
      this.changed();
    }
    return this.load.choose(ready);
  }

  /**
   * Runs one invocation on `address`, counted in flight there (the balancer's and autoscaler's input).
   * A connect that was refused marks that replica suspect, so the caller's retry goes to another one.
   */
  track<T>(namespace: string, name: string, address: string, run: () => Promise<T>): Promise<T> {
    // The failure is seen inside the tracker's own then(): no promise of its own per invocation.
    return this.load.track(namespace, name, address, run, (err) => {
      if (err instanceof UpstreamError && err.beforeRequest) {
        this.invalidate(namespace, name);
        this.onRefused(namespace, name, address);
      }
    });
  }

  invalidate(namespace: string, name: string): void {
    this.epoch++;
    this.cache.delete(namespace, name);
    this.changed();
  }

  clear(): void {
    this.epoch++;
    this.cache.clear();
    this.changed();
  }
}
