import { toDate } from '../containerd/index.js';
import { memoryUsageBytes } from '../runtime/index.js';
import { NotFoundError } from '../errors.js';
import type { LoadTracker } from './balancer.js';
import type { FunctionHost } from './function-host.js';
import type { FunctionStatus } from './types.js';
import type { Readiness } from './readiness.js';
import type { ScaleTarget } from '../autoscaler/index.js';
import { parseScaleLabels } from './scale-labels.js';
import { primaryOf, replicasOf, UPDATE_ERROR_LABEL } from './instances.js';
import { deploymentOf, functionDeployment, groupsOf, headOf, type Fn } from './function-records.js';
import { PerVersion } from './record-versions.js';

/** What a status reads of the host (FunctionHost; unit tests give a fake). */
export type StatusHost = Pick<FunctionHost, 'cache' | 'addresses' | 'ip' | 'observe' | 'containers'>;

export interface FunctionStatusDeps {
  host: StatusHost;
  readiness: Readiness;
  load: LoadTracker;
  /** A container's memory in bytes (runtime's memoryUsageBytes; tests give their own). */
  memoryOf?: (namespace: string, id: string) => Promise<number | undefined>;
  /** Milliseconds, for the age of memory readings (performance.now by default). */
  now?: () => number;
}

/** A function's name and annotations: what cron triggers read of every function on every refresh. */
export interface FunctionAnnotations {
  name: string;
  namespace: string;
  annotations: Record<string, string> | undefined;
}

/**
 * Every function's annotations from the namespaces' kept container lists: no memory reading, task or
 * address per function, and each container's parsed once per version (PerVersion). The cron scheduler
 * refreshes every 5 s; through the full list it read each replica's cgroup memory, most of the idle
 * daemon's CPU at N = 500 (issue #16).
 */
export class FunctionAnnotationsReader {
  private readonly annotations = new PerVersion((c) => deploymentOf(c)?.annotations);

  constructor(private readonly host: Pick<StatusHost, 'cache'>) {}

  async read(namespaces: readonly string[]): Promise<FunctionAnnotations[]> {
    const out: FunctionAnnotations[] = [];
    for (const namespace of namespaces) {
      for (const g of groupsOf(await this.host.cache.list(namespace)).values()) {
        const head = headOf(g);
        if (!head) continue;
        out.push({ name: g.name, namespace, annotations: this.annotations.get(namespace, head) });
      }
    }
    this.annotations.forgetUnseen(namespaces);
    return out;
  }
}

/** How long a replica's memory reading is shown again before the cgroup is read anew. */
const MEMORY_MAX_AGE_MS = 2000;

/**
 * Status of functions for list and describe (issue #16). A list of N functions makes no containerd call
 * per replica: the containers come from the ContainerCache, readiness from Readiness (which follows
 * every task it started or saw), addresses from the store's kept parse, memory from a reading at most
 * 2 s old. At N = 1,000 a Tasks.List alone (containerd asks each shim) took longer than the goal.
 */
export class FunctionStatuses {
  private readonly memoryOf: (namespace: string, id: string) => Promise<number | undefined>;
  private readonly now: () => number;
  /** Memory readings by container, dropped when not read again for a minute (a removed container). */
  private readonly memory = new Map<
    string,
    { bytes: number | undefined; at: number; reading?: Promise<unknown> | undefined }
  >();
  /** Each function head's scale policy, read once per record version. */
  private readonly policies = new PerVersion((c) => parseScaleLabels(deploymentOf(c)?.labels));

  constructor(private readonly deps: FunctionStatusDeps) {
    this.memoryOf = deps.memoryOf ?? memoryUsageBytes;
    this.now = deps.now ?? (() => performance.now());
  }

  async list(namespace: string): Promise<FunctionStatus[]> {
    const { host } = this.deps;
    // Grouped once per kept list (groupsOf), addresses from one store read: nothing per replica here
    // asks containerd or the disk but the memory readings, which are refreshed behind the answer.
    const [records, ips] = await Promise.all([host.cache.list(namespace), host.addresses(namespace)]);
    const groups = groupsOf(records);
    const out = await Promise.all([...groups.values()].map((g) => this.status(g, namespace, ips)));
    const now = this.now();
    for (const [k, m] of this.memory) if (now - m.at > 60_000) this.memory.delete(k);
    return out;
  }

  /**
   * The replica's memory: read once, then the kept reading is answered while a fresh one is read behind
   * it when it is older than 2 s (at N = 1,000 a list that waited for a thousand cgroup reads every 2 s
   * paid for them in its latency). A reading is thus at most one refresh old.
   */
  private async memoryNow(namespace: string, id: string): Promise<number | undefined> {
    const k = `${namespace}/${id}`;
    const kept = this.memory.get(k);
    if (!kept) {
      const bytes = await this.memoryOf(namespace, id);
      this.memory.set(k, { bytes, at: this.now() });
      return bytes;
    }
    if (!kept.reading && this.now() - kept.at >= MEMORY_MAX_AGE_MS) {
      kept.reading = this.memoryOf(namespace, id)
        .then((bytes) => this.memory.set(k, { bytes, at: this.now() }))
        .catch(() => (kept.reading = undefined));
    }
    return kept.bytes;
  }

  /** One function, from its own containers only. */
  async describe(g: Fn, namespace: string): Promise<FunctionStatus> {
    const ips = new Map<string, string>();
    for (const c of g.serving) {
      const ip = await this.deps.host.ip(namespace, c.id);
      if (ip) ips.set(c.id, ip);
    }
    return this.status(g, namespace, ips);
  }

  /**
   * Whether a replica is ready now: a task that Readiness watches and saw ready (no containerd call, so
   * a list does not ask each shim for its task); one it does not watch is looked up, which starts its
   * probing when it runs (a task started before this provider). Not while it is drained.
   */
  private async ready(namespace: string, id: string, ip: string | undefined): Promise<boolean> {
    const { host, readiness, load } = this.deps;
    if (!readiness.readyNow(namespace, id)) {
      const task = await host.observe(namespace, id);
      if (task?.status !== 'RUNNING' || !readiness.isReady(namespace, id, task.pid)) return false;
    }
    return ip !== undefined && !load.isDraining(ip);
  }

  /** `ips`: the serving replicas' addresses by container ID. */
  private async status(g: Fn, namespace: string, ips: Map<string, string>): Promise<FunctionStatus> {
    const head = headOf(g);
    if (!head) throw new NotFoundError('function', g.name);
    const { service, ...rest } = functionDeployment(g, namespace);
    // Scaled to zero: no task should run, none is asked about.
    const serving = replicasOf(head) === 0 ? [] : g.serving;
    const ready = (await Promise.all(serving.map((c) => this.ready(namespace, c.id, ips.get(c.id))))).filter(
      Boolean,
    );
    const used = await Promise.all(serving.map((c) => this.memoryNow(namespace, c.id)));
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

  /**
   * Every function with its policy and desired count, for the autoscaler: one list per namespace. A
   * policy is parsed once per container version (its updatedAt), not on every tick: a kept list lasts
   * 1 s, so each 5 s tick got new records and parsed every function's spec again (issue #16).
   */
  async scaleTargets(namespaces: string[]): Promise<ScaleTarget[]> {
    const out: ScaleTarget[] = [];
    for (const namespace of namespaces) {
      for (const g of groupsOf(await this.deps.host.cache.list(namespace)).values()) {
        const head = primaryOf(g);
        if (!head) continue;
        out.push({
          namespace,
          name: g.name,
          policy: this.policies.get(namespace, head),
          replicas: replicasOf(head),
          containers: g.serving.map((c) => c.id),
        });
      }
    }
    this.policies.forgetUnseen(namespaces);
    return out;
  }
}
