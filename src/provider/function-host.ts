import type { Containerd, ContainerRecord } from '../containerd/index.js';
import type { ContainerRuntime } from '../runtime/index.js';
import type { CniNetwork } from '../network/index.js';
import { FUNCTION_LABEL } from './deployment.js';
import type { FunctionTasks } from './liveness.js';
import type { Readiness } from './readiness.js';
import type { TaskView } from './instances.js';

/** Function containers in containerd, their tasks and addresses; every task it starts is probed. */
export class FunctionHost implements FunctionTasks {
  constructor(
    private readonly ctd: Containerd,
    private readonly runtime: ContainerRuntime,
    private readonly network: CniNetwork,
    private readonly readiness: Readiness,
  ) {}

  containers(namespace: string): Promise<ContainerRecord[]> {
    return this.ctd.inNamespace(namespace).containers.list(`labels."${FUNCTION_LABEL}"`);
  }

  async task(namespace: string, id: string): Promise<TaskView | undefined> {
    const t = await this.ctd.inNamespace(namespace).tasks.get(id);
    return t && { pid: t.pid, status: t.status };
  }

  async runningPid(namespace: string, id: string): Promise<number | undefined> {
    const t = await this.task(namespace, id);
    return t?.status === 'RUNNING' ? t.pid : undefined;
  }

  async ip(namespace: string, id: string): Promise<string | undefined> {
    return (await this.network.store.find(namespace, id))?.ip;
  }

  async start(namespace: string, id: string): Promise<void> {
    const t0 = performance.now();
    const { pid } = await this.runtime.start(namespace, id);
    const startMs = Math.round(performance.now() - t0);
    const ip = await this.ip(namespace, id);
    if (ip) this.readiness.watch(namespace, id, ip, pid, startMs);
  }

  /** Probes a task that runs (started before this provider did, or seen by a status call). */
  async observe(namespace: string, id: string): Promise<TaskView | undefined> {
    const t = await this.task(namespace, id);
    if (t?.status !== 'RUNNING') return t;
    const ip = await this.ip(namespace, id);
    if (ip) this.readiness.watch(namespace, id, ip, t.pid);
    return t;
  }

  exited(namespace: string, id: string): void {
    this.readiness.forget(namespace, id);
  }

  /** Removes a container whole (task with grace, record, snapshot, network); its probing stops. */
  async remove(namespace: string, id: string, graceMs: number): Promise<void> {
    this.readiness.forget(namespace, id);
    await this.runtime.remove(namespace, id, { graceMs });
  }
}
