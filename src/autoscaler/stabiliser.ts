/** A decision for one function: where to go, and why in one word (logged and counted). */
export interface Decision {
  replicas: number;
  direction: 'up' | 'down' | 'hold';
}

interface History {
  /** When this function was first seen: no scale down before a whole window of advice exists. */
  first: number;
  recs: { at: number; replicas: number }[];
}

/**
 * Up at once, down only after a stabilisation window (as Kubernetes' HPA scaleDown): the count goes
 * down to the highest the load asked for during the last window, so a short lull changes nothing.
 */
export class Stabiliser {
  private readonly byFn = new Map<string, History>();

  constructor(private readonly windowMs: number) {}

  decide(key: string, now: number, current: number, wanted: number): Decision {
    const h = this.byFn.get(key) ?? { first: now, recs: [] };
    this.byFn.set(key, h);
    h.recs.push({ at: now, replicas: wanted });
    h.recs = h.recs.filter((r) => now - r.at <= this.windowMs);
    if (wanted > current) return { replicas: wanted, direction: 'up' };
    if (wanted === current || now - h.first < this.windowMs) return { replicas: current, direction: 'hold' };
    const floor = Math.max(...h.recs.map((r) => r.replicas));
    return floor < current
      ? { replicas: floor, direction: 'down' }
      : { replicas: current, direction: 'hold' };
  }

  /** Functions that are gone (or at zero) lose their history, so the map is as small as what runs. */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const k of this.byFn.keys()) if (!keys.has(k)) this.byFn.delete(k);
  }
}
