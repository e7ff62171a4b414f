import type { Containerd, ContainerRecord } from '../containerd/index.js';
import type { ContainerRuntime, ContainerSpec } from '../runtime/index.js';
import { AlreadyExistsError } from '../errors.js';
import { Laps } from '../laps.js';
import type { CniNetwork } from '../network/index.js';
import { FUNCTION_LABEL } from './deployment.js';
import type { FunctionTasks } from './liveness.js';
import type { Readiness } from './readiness.js';
import type { TaskView } from './instances.js';
import { ContainerCache } from './container-cache.js';
import { SlotIndex } from './slot-index.js';

/** The longest a started task holds the netns pool's work back while it is not yet ready. */
export const READY_HOLD_MS = 1_000;

/** What one look at a namespace saw: tasks and addresses by container ID. */
export interface NamespaceView {
  tasks: Map<string, TaskView>;
  ips: Map<string, string>;
}

/** Function containers in containerd, their tasks and addresses; every task it starts is probed. */
export class FunctionHost implements FunctionTasks {
  /** The namespace's function containers (see ContainerCache for when it lists again). */
  readonly cache: ContainerCache;
  /** Every function's slots in use (slot-index.ts): kept by create and remove below. */
  readonly slots: SlotIndex;

  constructor(
    private readonly ctd: Containerd,
    private readonly runtime: ContainerRuntime,
    private readonly network: CniNetwork,
    private readonly readiness: Readiness,
    cache?: ContainerCache,
    slots?: SlotIndex,
  ) {
    this.cache =
      cache ?? new ContainerCache((ns) => ctd.inNamespace(ns).containers.list(`labels."${FUNCTION_LABEL}"`));
    this.slots = slots ?? new SlotIndex((ns) => ctd.inNamespace(ns).containers.list());
  }

  /** Creates a container (runtime.create); the slot index sees its slot taken from the start. */
  async create(spec: ContainerSpec, timing?: Record<string, number>): Promise<void> {
    const ended = this.slots.creating(spec.namespace, { id: spec.id, labels: spec.labels ?? {} });
    try {
      await this.runtime.create(spec, timing);
      ended(true);
    } catch (err) {
      // A failed create removes what it made; one that found the ID in use leaves that container be.
      ended(err instanceof AlreadyExistsError);
      throw err;
    }
  }

  /** Every function container of the namespace; callers do not change the records. */
  async containers(namespace: string): Promise<ContainerRecord[]> {
    return [...(await this.cache.list(namespace))];
  }

  /**
   * One function's containers: containerd filters by the label's value, so the answer (and its decode)
   * does not grow with the number of other functions in the namespace.
   */
  functionContainers(namespace: string, name: string): Promise<ContainerRecord[]> {
    return this.ctd
      .inNamespace(namespace)
      .containers.list(`labels."${FUNCTION_LABEL}"==${JSON.stringify(name)}`);
  }

  /**
   * Tasks and addresses: of `ids` (a task lookup each), or of the whole namespace (one Tasks.List and one
   * store read, whatever the number of containers).
   */
  async view(namespace: string, ids?: string[]): Promise<NamespaceView> {
    const records = this.network.records(namespace);
    const tasks = new Map<string, TaskView>();
    if (ids) {
      for (const [i, t] of (await Promise.all(ids.map((id) => this.task(namespace, id)))).entries())
        if (t) tasks.set(ids[i] ?? '', t);
    } else {
      for (const [id, t] of await this.allTasks(namespace)) tasks.set(id, t);
    }
    const ips = new Map<string, string>();
    for (const r of await records) if (r.ip && r.state === 'attached') ips.set(r.id, r.ip);
    return { tasks, ips };
  }

  async allTasks(namespace: string): Promise<Map<string, TaskView>> {
    const out = new Map<string, TaskView>();
    for (const t of await this.ctd.inNamespace(namespace).tasks.list())
      out.set(t.containerId, { pid: t.pid, status: t.status });
    return out;
  }

  async task(namespace: string, id: string): Promise<TaskView | undefined> {
    const t = await this.ctd.inNamespace(namespace).tasks.get(id);
    return t && { pid: t.pid, status: t.status };
  }

  async runningPid(namespace: string, id: string): Promise<number | undefined> {
    const t = await this.task(namespace, id);
    return t?.status === 'RUNNING' ? t.pid : undefined;
  }

  /** The attached addresses of the namespace's containers, by container ID: one store read. */
  async addresses(namespace: string): Promise<Map<string, string>> {
    const ips = new Map<string, string>();
    for (const r of await this.network.records(namespace))
      if (r.ip && r.state === 'attached') ips.set(r.id, r.ip);
    return ips;
  }

  /** The container's address once attached (a pending record holds its reserved address already). */
  async ip(namespace: string, id: string): Promise<string | undefined> {
    const r = await this.network.store.find(namespace, id);
    return r?.state === 'attached' ? r.ip : undefined;
  }

  /**
   * A container's create and task start begin; the function returned ends it. The netns pool's
   * background ADD and DEL wait for them (netns-pool.ts launch).
   */
  launching(): () => void {
    return this.network.pool.launch();
  }

  /**
   * Starts the task and begins probing it; `timing` gets the start's steps (a deploy's log line). The
   * launch is held until the task answered its first probe (at most READY_HOLD_MS): the pool's refill
   * (~40 ms of plugin CPU) would otherwise run beside the function's own start on 2 cores, right when
   * the deploy's first invocation waits for it.
   */
  async start(namespace: string, id: string, timing?: Record<string, number>): Promise<void> {
    const t0 = performance.now();
    const launched = this.launching(); // a scale from zero's task start too
    let held = false;
    try {
      const { pid } = await this.runtime.start(namespace, id, timing);
      const startMs = Math.round(performance.now() - t0);
      const laps = new Laps(timing, 'start_');
      const ip = await this.ip(namespace, id);
      if (ip) {
        this.readiness.watch(namespace, id, ip, pid, startMs);
        held = true;
        void this.readiness.waitReady(namespace, id, READY_HOLD_MS).finally(launched);
      }
      laps.lap('watch');
    } finally {
      if (!held) launched();
    }
  }

  /** Probes a task that runs (started before this provider did, or seen by a status call). */
  async observe(namespace: string, id: string): Promise<TaskView | undefined> {
    const t = await this.task(namespace, id);
    if (t?.status !== 'RUNNING') return t;
    const ip = await this.ip(namespace, id);
    if (ip) this.readiness.watch(namespace, id, ip, t.pid);
    return t;
  }

  /** Begins probing a task seen running (by a view), as observe does. */
  watchRunning(namespace: string, id: string, task: TaskView, ip: string | undefined): void {
    if (task.status === 'RUNNING' && ip) this.readiness.watch(namespace, id, ip, task.pid);
  }

  exited(namespace: string, id: string): void {
    this.readiness.forget(namespace, id);
  }

  /** Removes a container whole (task with grace, record, snapshot, network); its probing stops. */
  async remove(namespace: string, id: string, graceMs: number): Promise<void> {
    this.readiness.forget(namespace, id);
    await this.runtime.remove(namespace, id, { graceMs });
    this.slots.removed(namespace, id);
  }
}
