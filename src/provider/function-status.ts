import { toDate, type ContainerRecord } from '../containerd/index.js';
import { memoryUsageBytes } from '../runtime/index.js';
import { NotFoundError } from '../errors.js';
import type { LoadTracker } from './balancer.js';
import type { FunctionHost, NamespaceView } from './function-host.js';
import type { FunctionStatus } from './types.js';
import type { Readiness } from './readiness.js';
import type { ScalePolicy } from './scale-labels.js';
import { parseScaleLabels } from './scale-labels.js';
import { groupFunctions, primaryOf, replicasOf, UPDATE_ERROR_LABEL } from './instances.js';
import { deploymentOf, functionDeployment, headOf, type Fn } from './function-records.js';

/** One function as the autoscaler sees it. */
export interface ScaleTarget {
  namespace: string;
  name: string;
  policy: ScalePolicy;
  /** The desired count (0: scaled to zero). */
  replicas: number;
  /** Its serving containers' IDs (for cpu). */
  containers: string[];
}

export interface FunctionStatusDeps {
  host: FunctionHost;
  readiness: Readiness;
  load: LoadTracker;
  /** A container's memory in bytes (runtime's memoryUsageBytes; tests give their own). */
  memoryOf?: (namespace: string, id: string) => Promise<number | undefined>;
}

/**
 * Status of functions for list and describe. A list costs three reads whatever N is — the namespace's
 * function containers, its tasks (one Tasks.List) and its attachments (one store read) — and then
 * memory per replica, instead of a task and a store lookup per replica (issue #16).
 */
export class FunctionStatuses {
  private readonly memoryOf: (namespace: string, id: string) => Promise<number | undefined>;

  constructor(private readonly deps: FunctionStatusDeps) {
    this.memoryOf = deps.memoryOf ?? memoryUsageBytes;
  }

  async list(namespace: string): Promise<FunctionStatus[]> {
    const [containers, view] = await Promise.all([
      this.deps.host.containers(namespace),
      this.deps.host.view(namespace),
    ]);
    const groups = groupFunctions(containers);
    return Promise.all([...groups.values()].map((g) => this.status(g, namespace, view)));
  }

  /** One function, from its own containers only. */
  async describe(g: Fn, namespace: string): Promise<FunctionStatus> {
    const ids = g.serving.map((c) => c.id);
    return this.status(g, namespace, await this.deps.host.view(namespace, ids));
  }

  /** Whether a replica is ready now (by what `view` saw): running, probed ready, not being drained. */
  private readyIp(namespace: string, c: ContainerRecord, view: NamespaceView): string | undefined {
    const task = view.tasks.get(c.id);
    const ip = view.ips.get(c.id);
    if (task?.status !== 'RUNNING' || !ip) return undefined;
    // A task that runs and nobody probes yet (started before this provider): probing begins here.
    this.deps.readiness.watch(namespace, c.id, ip, task.pid);
    if (!this.deps.readiness.isReady(namespace, c.id, task.pid)) return undefined;
    return this.deps.load.isDraining(ip) ? undefined : ip;
  }

  private async status(g: Fn, namespace: string, view: NamespaceView): Promise<FunctionStatus> {
    const head = headOf(g);
    if (!head) throw new NotFoundError('function', g.name);
    const { service, ...rest } = functionDeployment(g, namespace);
    const ready = g.serving.filter((c) => this.readyIp(namespace, c, view) !== undefined);
    const used = await Promise.all(g.serving.map((c) => this.memoryOf(namespace, c.id)));
    const memory = used.some((m) => m !== undefined)
      ? used.reduce<number>((a, m) => a + (m ?? 0), 0)
      : undefined;
    const created = toDate(head.createdAt);
    const failure = head.labels[UPDATE_ERROR_LABEL];
    return {
      ...rest,
      ...(failure ? { annotations: { ...rest.annotations, [UPDATE_ERROR_LABEL]: failure } } : {}),
      name: service,
      namespace,
      invocationCount: this.deps.load.load(namespace, g.name).requests,
      replicas: replicasOf(head),
      availableReplicas: ready.length,
      ...(created ? { createdAt: created.toISOString() } : {}),
      ...(memory !== undefined ? { usage: { totalMemoryBytes: memory } } : {}),
    };
  }

  /** Every function with its policy and desired count, for the autoscaler: one list per namespace. */
  async scaleTargets(namespaces: string[]): Promise<ScaleTarget[]> {
    const out: ScaleTarget[] = [];
    for (const namespace of namespaces) {
      for (const g of groupFunctions(await this.deps.host.containers(namespace)).values()) {
        const head = primaryOf(g);
        if (!head) continue;
        out.push({
          namespace,
          name: g.name,
          policy: parseScaleLabels(deploymentOf(head)?.labels),
          replicas: replicasOf(head),
          containers: g.serving.map((c) => c.id),
        });
      }
    }
    return out;
  }
}
