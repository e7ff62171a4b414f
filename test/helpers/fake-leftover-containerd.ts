import type { ContainerRecord } from '../../src/containerd/index.js';
import type { Lease } from '../../src/containerd/leases.js';
import type { SnapshotInfo, SnapshotKind } from '../../src/containerd/types.js';
import type { LeftoverSource, LeftoverView } from '../../src/runtime/create-leftovers.js';

/**
 * One namespace's leases, snapshots and containers in memory, for the create-leftovers sweep. Its GC
 * is as eager as containerd's may be: deleting a lease removes at once every snapshot that only the
 * lease kept (no other lease, no container).
 */
export class FakeLeftoverContainerd implements LeftoverSource, LeftoverView {
  /** Lease id → the snapshots it holds. */
  private readonly leaseRefs = new Map<string, Set<string>>();
  private readonly snaps = new Map<string, SnapshotKind>();
  private readonly records: ContainerRecord[] = [];
  /** What the fake's GC removed (not the sweep). */
  readonly collected: string[] = [];

  addLease(id: string, ...snapshots: string[]): void {
    this.leaseRefs.set(id, new Set(snapshots));
  }
  addSnapshot(name: string, kind: SnapshotKind = 'ACTIVE'): void {
    this.snaps.set(name, kind);
  }
  addContainer(id: string, snapshotKey: string): void {
    this.records.push({
      id,
      labels: {},
      image: 'faasd.test/busybox:1',
      runtime: null,
      spec: null,
      snapshotter: 'overlayfs',
      snapshotKey,
    });
  }
  snapshotNames(): string[] {
    return [...this.snaps.keys()].sort();
  }
  leaseIds(): string[] {
    return [...this.leaseRefs.keys()].sort();
  }

  inNamespace(): LeftoverView {
    return this;
  }

  readonly leases = {
    list: (): Promise<Lease[]> =>
      Promise.resolve([...this.leaseRefs.keys()].map((id) => ({ id, labels: {} }))),
    delete: (id: string): Promise<void> => {
      const held = this.leaseRefs.get(id) ?? new Set<string>();
      this.leaseRefs.delete(id);
      for (const name of held) if (!this.referenced(name)) this.collect(name);
      return Promise.resolve();
    },
  };

  readonly containers = {
    list: (): Promise<ContainerRecord[]> => Promise.resolve([...this.records]),
  };

  readonly snapshots = {
    list: (): Promise<SnapshotInfo[]> =>
      Promise.resolve([...this.snaps].map(([name, kind]) => ({ name, parent: '', kind, labels: {} }))),
    /** As containerd's: the snapshot and its lease references go; removing what is gone succeeds. */
    remove: (name: string): Promise<void> => {
      this.snaps.delete(name);
      for (const refs of this.leaseRefs.values()) refs.delete(name);
      return Promise.resolve();
    },
  };

  private referenced(name: string): boolean {
    return (
      [...this.leaseRefs.values()].some((refs) => refs.has(name)) ||
      this.records.some((r) => r.snapshotKey === name)
    );
  }

  private collect(name: string): void {
    if (this.snaps.delete(name)) this.collected.push(name);
  }
}
