import type { Containerd } from '../containerd/index.js';

/** What the sweep uses of containerd in one namespace (the Containerd client has it). */
export interface LeftoverView {
  leases: Pick<Containerd['leases'], 'list' | 'delete'>;
  containers: Pick<Containerd['containers'], 'list'>;
  snapshots: Pick<Containerd['snapshots'], 'list' | 'remove'>;
}

export interface LeftoverSource {
  inNamespace(namespace: string): LeftoverView;
}

/** Lease prefixes this runtime takes only while it creates a container or reads an image's files. */
const OWN_LEASE_PREFIXES = ['faasd-create-', 'faasd-view-'];

/**
 * What a create killed half-way leaves in `namespace`: its leases, and active snapshots no container
 * uses (a crash between prepare and the container record). Call it at start, before any create runs in
 * that namespace: a create in progress holds exactly these.
 *
 * Snapshots go first, while our leases still hold them: once a lease is deleted containerd's GC may
 * remove what it held at any moment, and a snapshot gone before the list would not be reported.
 * Removing a leased snapshot also drops its lease reference (containerd metadata/snapshot.go Remove).
 */
export async function sweepCreateLeftovers(ctd: LeftoverSource, namespace: string): Promise<string[]> {
  const c = ctd.inNamespace(namespace);
  const removed: string[] = [];
  const used = new Set((await c.containers.list()).map((r) => r.snapshotKey));
  for (const s of await c.snapshots.list()) {
    if (s.kind === 'COMMITTED' || used.has(s.name)) continue;
    await c.snapshots.remove(s.name);
    removed.push(`snapshot ${s.name}`);
  }
  for (const l of await c.leases.list()) {
    if (!OWN_LEASE_PREFIXES.some((p) => l.id.startsWith(p))) continue;
    await c.leases.delete(l.id);
    removed.push(`lease ${l.id}`);
  }
  return removed;
}
