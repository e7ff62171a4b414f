import type { ContainerRecord } from '../containerd/index.js';

/**
 * Each namespace's function containers, listed once and kept (issue #16): GET /system/functions, the
 * autoscaler's tick and the exit sweep read them, and at a thousand functions one List carries ~3 MB
 * of specs. Kept at most `maxAgeMs`, and not at all while a change of any function of the namespace runs
 * (ChangeGuard tells begin and end, both of which drop what was kept): every change the provider makes
 * is seen at once, a change made outside it (ctr by hand) within `maxAgeMs`. A List that began before a
 * change is not kept.
 */
export class ContainerCache {
  private readonly kept = new Map<string, { records: readonly ContainerRecord[]; at: number }>();
  private readonly changes = new Map<string, number>();
  /** A List under way per namespace, and the epoch it began in: callers meanwhile share it. */
  private readonly inflight = new Map<string, { epoch: number; records: Promise<ContainerRecord[]> }>();
  private epoch = 0;

  constructor(
    private readonly fetch: (namespace: string) => Promise<ContainerRecord[]>,
    private readonly maxAgeMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * The kept list, else a List — shared with the callers that ask while it runs, unless something was
   * invalidated since it began (a thousand invocations right after a restart make one List, not one each).
   */
  async list(namespace: string): Promise<readonly ContainerRecord[]> {
    const hit = this.peek(namespace);
    if (hit) return hit;
    const running = this.inflight.get(namespace);
    if (running && running.epoch === this.epoch) return running.records;
    const epoch = this.epoch;
    const at = this.now();
    const records = this.fetch(namespace);
    const mine = { epoch, records };
    this.inflight.set(namespace, mine);
    try {
      const got = await records;
      if (epoch === this.epoch && !this.changes.has(namespace))
        this.kept.set(namespace, { records: got, at });
      return got;
    } finally {
      if (this.inflight.get(namespace) === mine) this.inflight.delete(namespace);
    }
  }

  /** A change of one of the namespace's functions runs now (what is listed now is not kept). */
  changing(namespace: string): boolean {
    return this.changes.has(namespace);
  }

  /** A List of the namespace is under way now and would be shared. */
  listing(namespace: string): boolean {
    return this.inflight.get(namespace)?.epoch === this.epoch;
  }

  /** What is kept of the namespace and still fresh, without listing. */
  peek(namespace: string): readonly ContainerRecord[] | undefined {
    const hit = this.kept.get(namespace);
    return hit && this.now() - hit.at < this.maxAgeMs ? hit.records : undefined;
  }

  /** Drops what is kept of `namespace` (every namespace without one). */
  invalidate(namespace?: string): void {
    this.epoch++;
    if (namespace === undefined) this.kept.clear();
    else this.kept.delete(namespace);
  }

  /** A change of one of the namespace's functions begins: nothing is kept until every one has ended. */
  begin(namespace: string): void {
    this.changes.set(namespace, (this.changes.get(namespace) ?? 0) + 1);
    this.invalidate(namespace);
  }

  end(namespace: string): void {
    const n = (this.changes.get(namespace) ?? 1) - 1;
    if (n > 0) this.changes.set(namespace, n);
    else this.changes.delete(namespace);
    this.invalidate(namespace);
  }
}
