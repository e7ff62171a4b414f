import type { ContainerRecord } from '../containerd/index.js';

/**
 * A value derived from a container record, kept per container and version (its updatedAt): every
 * List decodes new record objects, so a memo keyed by the object (deploymentOf's) misses on each
 * 5 s tick and a thousand specs were parsed again (issue #16). containerd bumps updatedAt on every
 * change of a container (labels or spec), so a kept value is never older than its record.
 */
export class PerVersion<T> {
  private readonly kept = new Map<string, { version: string; value: T }>();
  /** Keys asked for since the last forgetUnseen. */
  private readonly seen = new Set<string>();

  constructor(private readonly derive: (c: ContainerRecord) => T) {}

  get(namespace: string, c: ContainerRecord): T {
    const at = c.updatedAt ?? c.createdAt;
    const version = at ? `${at.seconds}.${at.nanos}` : undefined;
    const key = `${namespace}/${c.id}`;
    this.seen.add(key);
    const hit = this.kept.get(key);
    if (version !== undefined && hit?.version === version) return hit.value;
    const value = this.derive(c);
    if (version !== undefined) this.kept.set(key, { version, value });
    return value;
  }

  /**
   * After a pass over every container of `namespaces`: forgets those of them not asked for since the
   * last call (removed containers).
   */
  forgetUnseen(namespaces: readonly string[]): void {
    for (const k of this.kept.keys())
      if (!this.seen.has(k) && namespaces.some((ns) => k.startsWith(`${ns}/`))) this.kept.delete(k);
    this.seen.clear();
  }
}
