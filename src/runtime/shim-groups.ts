/**
 * Which runc shim serves a container (issue #16 item 1). containerd 1.6's runc v2 shim (runtime/v2/
 * runc/v2/service.go, StartShim) derives its socket from the `io.containerd.runc.v2.group` annotation
 * of the container's OCI spec, within the namespace: every task of one group is served by one shim
 * process, which exits when its last task is deleted (Shutdown returns early while it has containers).
 * A shim's death takes its whole group down: containerd then reports an exit for each task, and the
 * supervisor or provider restarts each (a new shim for the group starts with the first of them).
 *
 * The choice, measured in docs/architecture.md: fill groups up to SHIM_GROUP_SIZE containers, lowest
 * group first, never two containers with the same spread key (replicas of one function) in one group.
 * A group's size, not the host's function count, bounds what one shim crash takes down.
 */
export const SHIM_GROUP_ANNOTATION = 'io.containerd.runc.v2.group';
/** The same group as a container label, so the groups in use are read back with one List. */
export const SHIM_GROUP_LABEL = 'io.faasd.shim-group';
export const SHIM_GROUP_SIZE = 16;

export interface ShimGroupOptions {
  /** Containers per shim at most (SHIM_GROUP_SIZE when absent). */
  size?: number;
  /** A label whose value marks containers to keep apart (e.g. the replicas of one function). */
  spreadLabel?: string;
  /**
   * The runtime new containers name (shim-wrapper.ts). A group holding a container of another runtime
   * is not joined: its shim was started by that runtime (e.g. in the host's mount namespace, before
   * an upgrade), and a new member would be served by it. It is used again once it is empty.
   */
  runtime?: string | undefined;
}

export interface GroupedContainer {
  id: string;
  labels: Record<string, string>;
  runtime?: { name: string } | null;
}

/** Members of each group in one namespace: container id → its spread key. */
type Groups = Map<string, Map<string, string>>;
/** A group's members when it holds a container of another runtime (never joined while so). */
const FOREIGN = '\0foreign';

export class ShimGroups {
  private readonly size: number;
  /** Per namespace, read once from containerd (one List), then kept by assign and release. */
  private readonly namespaces = new Map<string, Promise<Groups>>();

  constructor(
    private readonly list: (namespace: string) => Promise<GroupedContainer[]>,
    private readonly o: ShimGroupOptions = {},
  ) {
    this.size = Math.max(1, o.size ?? SHIM_GROUP_SIZE);
  }

  /** The group for a new container: the lowest with room and without a container of the same key. */
  async assign(namespace: string, id: string, labels: Record<string, string> = {}): Promise<string> {
    const groups = await this.groupsOf(namespace);
    const spread = this.spreadKey(id, labels);
    for (const [name, members] of groups) if (members.has(id)) return name;
    for (let i = 0; ; i++) {
      const name = `faasd-${i}`;
      const members = groups.get(name) ?? new Map<string, string>();
      const values = [...members.values()];
      if (members.size >= this.size || values.includes(spread) || values.includes(FOREIGN)) continue;
      members.set(id, spread);
      groups.set(name, members);
      return name;
    }
  }

  /** Forgets a removed container (its group has room again). */
  async release(namespace: string, id: string): Promise<void> {
    if (!this.namespaces.has(namespace)) return;
    const groups = await this.groupsOf(namespace);
    for (const [name, members] of groups) {
      if (!members.delete(id)) continue;
      if (members.size === 0) groups.delete(name);
    }
  }

  private spreadKey(id: string, labels: Record<string, string>): string {
    return (this.o.spreadLabel && labels[this.o.spreadLabel]) || id;
  }

  private groupsOf(namespace: string): Promise<Groups> {
    let p = this.namespaces.get(namespace);
    if (!p) {
      p = this.load(namespace);
      this.namespaces.set(namespace, p);
      p.catch(() => this.namespaces.delete(namespace)); // read again next time
    }
    return p;
  }

  private async load(namespace: string): Promise<Groups> {
    const groups: Groups = new Map();
    for (const c of await this.list(namespace)) {
      const name = c.labels[SHIM_GROUP_LABEL];
      if (!name) continue;
      const members = groups.get(name) ?? new Map<string, string>();
      const foreign = this.o.runtime !== undefined && (c.runtime?.name ?? this.o.runtime) !== this.o.runtime;
      members.set(c.id, foreign ? FOREIGN : this.spreadKey(c.id, c.labels));
      groups.set(name, members);
    }
    return groups;
  }
}
