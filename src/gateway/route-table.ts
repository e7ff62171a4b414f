import { ByFunction } from '../by-function.js';

/**
 * What the main thread tells the data-path thread (issue #12): each function with ready replicas and
 * their addresses, replaced whole on every change of the resolver's cache. A function missing here is
 * handed to the main thread's full gateway (scale from zero, not ready, unknown: the rare paths).
 */
export interface RouteSnapshot {
  /** Bumped by every snapshot, so a thread can tell which one it serves from. */
  version: number;
  functions: { namespace: string; name: string; addresses: string[] }[];
}

/** Upper bounds of one snapshot, so a message between threads cannot grow without end. */
export const SNAPSHOT_LIMITS = { functions: 10_000, addressesPerFunction: 64 } as const;

/**
 * The snapshot of `ready` (namespace, name, addresses): addresses being drained are left out (no new
 * request may go there), a function with none left is left out, and the bounds above apply.
 */
export function routeSnapshot(
  version: number,
  ready: Iterable<{ namespace: string; name: string; addresses: readonly string[] }>,
  draining: (address: string) => boolean,
): RouteSnapshot {
  const functions: RouteSnapshot['functions'] = [];
  for (const f of ready) {
    if (functions.length >= SNAPSHOT_LIMITS.functions) break;
    const addresses = f.addresses.filter((a) => !draining(a)).slice(0, SNAPSHOT_LIMITS.addressesPerFunction);
    if (addresses.length) functions.push({ namespace: f.namespace, name: f.name, addresses });
  }
  return { version, functions };
}

interface Route {
  addresses: string[];
  next: number;
}

/**
 * The data-path thread's routes: the latest snapshot, one lookup per invocation with the request's own
 * strings (ByFunction). Replicas take turns (round robin per thread); the main thread keeps its
 * least-in-flight choice for what it serves.
 */
export class RouteTable {
  private routes = new ByFunction<Route>();
  version = 0;

  replace(s: RouteSnapshot): void {
    const routes = new ByFunction<Route>();
    for (const f of s.functions) routes.set(f.namespace, f.name, { addresses: f.addresses, next: 0 });
    this.routes = routes;
    this.version = s.version;
  }

  /** The next ready address of the function, or undefined: not here, the main thread serves it. */
  pick(namespace: string, name: string): string | undefined {
    const r = this.routes.get(namespace, name);
    if (!r) return undefined;
    const a = r.addresses[r.next % r.addresses.length];
    r.next = (r.next + 1) % r.addresses.length;
    return a;
  }

  /** A replica refused: until the next snapshot, the function goes to the main thread (which re-resolves). */
  drop(namespace: string, name: string): void {
    this.routes.delete(namespace, name);
  }
}
