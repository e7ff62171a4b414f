import type { ContainerRecord } from '../../src/containerd/index.js';
import type { AttachmentRecord } from '../../src/network/ipam-store.js';
import type { NamespaceView } from '../../src/provider/function-host.js';
import { instanceLabels, type TaskView } from '../../src/provider/instances.js';
import type { ReconcileContainerd, ReconcileDeps } from '../../src/provider/reconcile.js';

/**
 * One function namespace as a restarted provider finds it, in memory: containers, their tasks and
 * attachments. Records what reconcile did to it (removed, relabelled, watched, started).
 */
export class FakeReconcileWorld implements ReconcileContainerd {
  readonly records: ContainerRecord[] = [];
  readonly tasks = new Map<string, TaskView>();
  readonly ips = new Map<string, string>();
  readonly removed: string[] = [];
  readonly relabelled: string[] = [];
  readonly watched: string[] = [];
  readonly started: string[] = [];
  /** Containers.List calls on containerd (the host's own list is apart). */
  lists = 0;
  /** Containers.Get calls (the network's judge asks for containers it did not list). */
  readonly gets: string[] = [];
  /** Attachments whose containers the network's judge took for gone. */
  readonly judgedGone: string[] = [];
  /** Attachments without a function container (an orphan, or a container without the label). */
  readonly extraAttachments: string[] = [];

  /** A container of function `name` (generation `generation`; `pending`: an update's new version). */
  add(id: string, name: string, o: { generation: number; pending?: boolean; running?: boolean }): void {
    this.records.push({
      id,
      labels: instanceLabels(name, 1, o.generation, o.pending ?? false),
      image: 'example.test/fn:1',
      runtime: null,
      spec: null,
      snapshotter: 'overlayfs',
      snapshotKey: id,
    });
    this.ips.set(id, `10.0.0.${this.records.length + 1}`);
    if (o.running ?? true) this.tasks.set(id, { pid: 100 + this.records.length, status: 'RUNNING' });
  }

  inNamespace(): ReturnType<ReconcileContainerd['inNamespace']> {
    return {
      containers: {
        list: () => {
          this.lists++;
          return Promise.resolve([...this.records]);
        },
        get: (id: string) => {
          this.gets.push(id);
          return Promise.resolve(this.records.find((r) => r.id === id));
        },
        setLabels: (id: string, labels: Record<string, string>) => {
          const r = this.records.find((c) => c.id === id);
          if (r) r.labels = labels;
          this.relabelled.push(id);
          return Promise.resolve();
        },
      },
      leases: { list: () => Promise.resolve([]), delete: () => Promise.resolve() },
      snapshots: { list: () => Promise.resolve([]), remove: () => Promise.resolve() },
    };
  }

  readonly host: ReconcileDeps['host'] = {
    view: (): Promise<NamespaceView> =>
      Promise.resolve({ tasks: new Map(this.tasks), ips: new Map(this.ips) }),
    containers: () => Promise.resolve([...this.records]),
    remove: (_ns: string, id: string) => {
      this.removed.push(id);
      this.records.splice(
        this.records.findIndex((r) => r.id === id),
        1,
      );
      return Promise.resolve();
    },
    watchRunning: (_ns: string, id: string) => void this.watched.push(id),
    start: (_ns: string, id: string) => {
      this.started.push(id);
      return Promise.resolve();
    },
  };

  readonly network: ReconcileDeps['network'] = {
    store: {
      find: (namespace: string, id: string): Promise<AttachmentRecord | undefined> => {
        const ip = this.ips.get(id);
        return Promise.resolve(
          ip
            ? {
                namespace,
                id,
                netns: `/run/netns/${id}`,
                ifname: 'eth0',
                state: 'attached',
                ip,
                createdAt: new Date(0).toISOString(),
              }
            : undefined,
        );
      },
    },
    // Judges every attachment of the namespaces it is given, as CniNetwork.reconcile does.
    reconcile: async (exists, namespaces) => {
      const ids = new Set([...this.ips.keys(), ...this.removed, ...this.extraAttachments]);
      for (const ns of namespaces ?? [])
        for (const id of ids) if (!(await exists(ns, id))) this.judgedGone.push(id);
      return [];
    },
  };
}
