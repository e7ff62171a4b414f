import type { Containerd, ContainerRecord } from '../containerd/index.js';
import { specOf, toDate } from '../containerd/index.js';
import { memoryUsageBytes, type ContainerRuntime } from '../runtime/index.js';
import type { CniNetwork } from '../network/index.js';
import { ensureImage } from '../supervisor/index.js';
import type { RegistryClient } from '../image/index.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { NamespaceService } from './namespaces.js';
import type { SecretStore } from './secrets.js';
import type { Resolver } from './resolver.js';
import type { FunctionDeployment, FunctionStatus } from './types.js';
import { DEPLOYMENT_ANNOTATION, parseDeployment } from './deployment.js';
import { validateName } from './validate.js';
import { Liveness } from './liveness.js';
import { ChangeGuard } from './changes.js';
import { Readiness, probeHealth } from './readiness.js';
import { FunctionHost } from './function-host.js';
import { NotReadyError } from './function-errors.js';
import { rollout, startInstance, type RolloutDeps } from './rollout.js';
import { bySlot, setReplicas, writeLabel, type ReplicaDeps } from './replicas.js';
import { parseScaleLabels, type ScalePolicy } from './scale-labels.js';
import { ScaleMetrics } from './scale-metrics.js';
import { reconcileFunctions } from './reconcile.js';
import { unlinkFunctionLog } from './function-logs.js';
import {
  checkReplicas,
  freeSlot,
  groupFunctions,
  instanceLabels,
  primaryOf,
  replicasOf,
  UPDATE_ERROR_LABEL,
  type FunctionContainers,
} from './instances.js';

export interface FunctionServiceDeps {
  ctd: Containerd;
  runtime: ContainerRuntime;
  network: CniNetwork;
  registry: RegistryClient;
  secrets: SecretStore;
  namespaces: NamespaceService;
  resolver: Resolver;
  log: Logger;
  /** SIGTERM → SIGKILL grace on delete and update. */
  stopGraceMs: number;
  functionPort?: number;
  /** How long an update waits for its new version, and an invocation for a function, to be ready. */
  readyTimeoutMs?: number;
  /** The runtime's log directory, where NAME.log points at the serving container's log. */
  logDir?: string;
  /** How long a replica taken out of service (scale down, update) may finish its requests in flight. */
  drainTimeoutMs?: number;
}

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

type StoredDeployment = FunctionDeployment & { namespace: string };
type Fn = FunctionContainers<ContainerRecord>;

function deploymentOf(c: ContainerRecord): StoredDeployment | undefined {
  const raw = (specOf(c)?.annotations as Record<string, string> | undefined)?.[DEPLOYMENT_ANNOTATION];
  return raw ? (JSON.parse(raw) as StoredDeployment) : undefined;
}

/** Resolves with `p`, or rejects with `onTimeout()` after `ms`. */
async function within<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Functions as containerd containers: deploy, update, delete, list, describe, scale, invoke address. */
export class FunctionService {
  /** One API change at a time per function name. */
  readonly guard = new ChangeGuard();
  readonly readiness: Readiness;
  readonly host: FunctionHost;
  /** Restarts of functions that died. */
  readonly live: Liveness;
  private readonly readyTimeoutMs: number;
  private readonly wakes = new Map<string, Promise<void>>();
  /** Replicas per function and the autoscaler's decisions, rendered on /metrics. */
  readonly scaleMetrics = new ScaleMetrics();

  constructor(private readonly d: FunctionServiceDeps) {
    const port = d.functionPort ?? 8080;
    this.readyTimeoutMs = d.readyTimeoutMs ?? 60_000;
    this.readiness = new Readiness({
      probe: (host, p) => probeHealth(host, p, 1000),
      runningPid: (ns, id) => this.host.runningPid(ns, id),
      port,
      log: d.log,
    });
    this.host = new FunctionHost(d.ctd, d.runtime, d.network, this.readiness);
    this.live = new Liveness({
      fns: this.host,
      guard: this.guard,
      namespaces: d.namespaces,
      resolver: d.resolver,
      log: d.log,
    });
    // A refused connect (seen by the invoke path's track) makes that replica not ready until probed.
    d.resolver.whenRefused((ns, _name, ip) => this.readiness.suspectAddress(ns, ip));
  }

  private get rolloutDeps(): RolloutDeps & ReplicaDeps {
    return {
      ctd: this.d.ctd,
      runtime: this.d.runtime,
      host: this.host,
      readiness: this.readiness,
      secretPath: (ns, s) => this.d.secrets.path(ns, s),
      onSwitch: (ns, name) => this.d.resolver.invalidate(ns, name),
      log: this.d.log,
      stopGraceMs: this.d.stopGraceMs,
      readyTimeoutMs: this.readyTimeoutMs,
      logDir: this.d.logDir,
      load: this.d.resolver.load,
      drainTimeoutMs: this.d.drainTimeoutMs ?? 30_000,
    };
  }

  private in(namespace: string): Containerd {
    return this.d.ctd.inNamespace(namespace);
  }

  private async group(namespace: string, name: string): Promise<Fn | undefined> {
    return groupFunctions(await this.host.containers(namespace)).get(name);
  }

  private async validate(body: unknown): Promise<StoredDeployment> {
    const dep = parseDeployment(body, this.d.namespaces.defaultNamespace);
    await this.d.namespaces.assertUsable(dep.namespace);
    for (const s of dep.secrets ?? []) {
      if (!(await this.d.secrets.exists(dep.namespace, s))) {
        throw new InvalidArgumentError(
          'secrets',
          `secret ${JSON.stringify(s)} does not exist in namespace ${dep.namespace}`,
        );
      }
    }
    parseScaleLabels(dep.labels); // a 400 naming a bad com.openfaas.scale.* label
    return dep;
  }

  /**
   * A first deploy: com.openfaas.scale.min containers (NAME, NAME.1, ...), started; invocations wait
   * for one to be ready.
   */
  async deploy(body: unknown): Promise<void> {
    const dep = await this.validate(body);
    const ns = dep.namespace;
    const replicas = parseScaleLabels(dep.labels).min;
    await this.guard.change(ns, dep.service, 'deploy', async () => {
      if (await this.group(ns, dep.service)) throw new AlreadyExistsError('function', dep.service);
      await ensureImage(this.in(ns), this.d.registry, dep.image, this.d.log);
      const taken = new Set((await this.in(ns).containers.list()).map((c) => c.id));
      const ids = Array.from({ length: replicas }, () => {
        const id = freeSlot(dep.service, taken);
        taken.add(id);
        return id;
      });
      const started = await Promise.allSettled(
        ids.map((id) =>
          startInstance(
            this.rolloutDeps,
            dep,
            { id, labels: instanceLabels(dep.service, replicas, 1, false) },
            replicas,
            { waitReady: false, detail: '' },
          ),
        ),
      );
      this.d.resolver.invalidate(ns, dep.service);
      const failed = started.find((r) => r.status === 'rejected');
      if (failed) {
        for (const [i, r] of started.entries())
          if (r.status === 'fulfilled') await this.host.remove(ns, ids[i] ?? '', 0).catch(() => undefined);
        throw failed.reason;
      }
    });
    this.d.log.info('deployed function', {
      namespace: ns,
      function: dep.service,
      image: dep.image,
      replicas,
    });
  }

  /** The new version starts beside the old one and takes over once ready (rollout.ts). */
  async update(body: unknown): Promise<void> {
    const dep = await this.validate(body);
    const ids = await this.guard.change(dep.namespace, dep.service, 'update', async () => {
      const current = await this.existing(dep.service, dep.namespace);
      try {
        await ensureImage(this.in(dep.namespace), this.d.registry, dep.image, this.d.log);
        return await rollout(this.rolloutDeps, dep, current);
      } catch (err) {
        // The old version serves on; describe tells why the update did not land (docs/scaling.md).
        await writeLabel(
          this.in(dep.namespace),
          current.serving,
          UPDATE_ERROR_LABEL,
          errorMessage(err),
        ).catch(() => undefined);
        throw err;
      }
    });
    this.d.log.info('updated function', {
      namespace: dep.namespace,
      function: dep.service,
      containers: ids.join(','),
      image: dep.image,
    });
  }

  private async existing(name: string, namespace: string): Promise<Fn> {
    validateName('function', name);
    await this.d.namespaces.assertUsable(namespace);
    const g = await this.group(namespace, name);
    if (!g) throw new NotFoundError('function', name);
    return g;
  }

  async delete(name: string, namespace: string): Promise<void> {
    await this.existing(name, namespace);
    await this.guard.change(namespace, name, 'delete', async () => {
      const g = await this.existing(name, namespace);
      for (const c of [...g.pending, ...g.serving, ...g.stale])
        await this.host.remove(namespace, c.id, this.d.stopGraceMs);
      if (this.d.logDir) await unlinkFunctionLog(this.d.logDir, namespace, name);
      this.d.resolver.invalidate(namespace, name);
      this.d.resolver.load.forget(namespace, name);
    });
    this.d.log.info('deleted function', { namespace, function: name });
  }

  private deploymentOf(g: Fn, namespace: string): StoredDeployment {
    const c = primaryOf(g) ?? g.pending[0] ?? g.stale[0];
    if (!c) throw new NotFoundError('function', g.name);
    return deploymentOf(c) ?? { service: g.name, image: c.image, namespace };
  }

  /** A replica's address when its task runs and answers as ready now; no waiting, no start. */
  private async readyIp(namespace: string, id: string): Promise<string | undefined> {
    const task = await this.host.observe(namespace, id);
    if (task?.status !== 'RUNNING' || !this.readiness.isReady(namespace, id, task.pid)) return undefined;
    const ip = await this.host.ip(namespace, id);
    return ip && !this.d.resolver.load.isDraining(ip) ? ip : undefined;
  }

  private async status(g: Fn, namespace: string): Promise<FunctionStatus> {
    const head = primaryOf(g) ?? g.pending[0] ?? g.stale[0];
    if (!head) throw new NotFoundError('function', g.name);
    const { service, ...rest } = this.deploymentOf(g, namespace);
    const ready = (await Promise.all(g.serving.map((c) => this.readyIp(namespace, c.id)))).filter(Boolean);
    const used = await Promise.all(g.serving.map((c) => memoryUsageBytes(namespace, c.id)));
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
      invocationCount: this.d.resolver.load.load(namespace, g.name).requests,
      replicas: replicasOf(head),
      availableReplicas: ready.length,
      ...(created ? { createdAt: created.toISOString() } : {}),
      ...(memory !== undefined ? { usage: { totalMemoryBytes: memory } } : {}),
    };
  }

  async list(namespace: string): Promise<FunctionStatus[]> {
    await this.d.namespaces.assertUsable(namespace);
    const groups = groupFunctions(await this.host.containers(namespace));
    return Promise.all([...groups.values()].map((g) => this.status(g, namespace)));
  }

  async describe(name: string, namespace: string): Promise<FunctionStatus> {
    return this.status(await this.existing(name, namespace), namespace);
  }

  /**
   * Sets the function's replicas, 0 to its com.openfaas.scale.max (replicas.ts: up starts new ones,
   * down drains then removes, 0 stops the first and keeps it). Two scales to the same count at once
   * share one change (the gateway's scale from zero), other overlaps are a 409.
   */
  async scale(name: string, namespace: string, replicas: unknown): Promise<void> {
    checkReplicas(replicas, Number.MAX_SAFE_INTEGER);
    const first = await this.existing(name, namespace);
    const n = checkReplicas(replicas, parseScaleLabels(this.deploymentOf(first, namespace).labels).max);
    await this.guard.change(namespace, name, 'scale', () => this.scaleNow(namespace, name, n), String(n));
    this.d.log.info('scaled function', { namespace, function: name, replicas: n });
  }

  /** The autoscaler's scale: the same change as the API's, so it queues behind none and 409s alike. */
  autoscale(namespace: string, name: string, n: number): Promise<void> {
    return this.guard.change(namespace, name, 'scale', () => this.scaleNow(namespace, name, n), String(n));
  }

  private async scaleNow(namespace: string, name: string, n: number): Promise<void> {
    const g = await this.existing(name, namespace);
    if (!primaryOf(g)) throw new NotFoundError('function', name);
    await setReplicas(this.rolloutDeps, this.deploymentOf(g, namespace), g, n, async (id) => {
      return (await this.host.task(namespace, id))?.status === 'RUNNING';
    });
    this.d.resolver.invalidate(namespace, name);
  }

  /** Every function with its policy and desired count, for the autoscaler. */
  async scaleTargets(): Promise<ScaleTarget[]> {
    const out: ScaleTarget[] = [];
    for (const namespace of await this.d.namespaces.list()) {
      for (const g of groupFunctions(await this.host.containers(namespace)).values()) {
        const head = primaryOf(g);
        if (!head) continue;
        const policy = parseScaleLabels(deploymentOf(head)?.labels);
        out.push({
          namespace,
          name: g.name,
          policy,
          replicas: replicasOf(head),
          containers: g.serving.map((c) => c.id),
        });
      }
    }
    return out;
  }

  /**
   * An invocation of a function the idle scaler took to zero (com.openfaas.scale.zero=true): back to its
   * minimum, once for all the callers at the same time.
   */
  private wake(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const running = this.wakes.get(key);
    if (running) return running;
    const woken = this.guard
      .internal(namespace, name, async () => {
        const g = await this.group(namespace, name);
        const head = g && primaryOf(g);
        if (!g || !head || replicasOf(head) !== 0) return;
        const dep = this.deploymentOf(g, namespace);
        const min = parseScaleLabels(dep.labels).min;
        this.d.log.info('scaling from zero for an invocation', { namespace, function: name, replicas: min });
        await setReplicas(this.rolloutDeps, dep, g, min, async () => false);
      })
      .finally(() => this.wakes.delete(key));
    this.wakes.set(key, woken);
    return woken;
  }

  /** The addresses of the function's ready replicas now (the resolver picks among them). */
  async readyAddresses(namespace: string, name: string): Promise<string[]> {
    const g = await this.group(namespace, name);
    const head = g && primaryOf(g);
    if (!g || !head || replicasOf(head) === 0) return [];
    const ips = await Promise.all(bySlot(g.serving).map((c) => this.readyIp(namespace, c.id)));
    return ips.filter((ip): ip is string => ip !== undefined);
  }

  /**
   * The address of a ready replica to invoke, the one with the fewest requests in flight: undefined
   * when the function is scaled to zero by hand (one the idle scaler took to zero is started again). A
   * replica that should run and does not (a crash, an OOM kill, a reboot) is started again — after any
   * change of the function ends, never under it. `suspect`: a connect was just refused; a lone replica
   * is probed again (with several, the resolver's track already marked the refused one), never killed.
   * Waits at most readyTimeoutMs, then a NotReadyError (504).
   */
  async endpoint(name: string, namespace: string, suspect = false): Promise<string | undefined> {
    this.d.resolver.load.enter(namespace, name);
    try {
      return await this.endpointOnce(name, namespace, suspect);
    } finally {
      this.d.resolver.load.leave(namespace, name);
    }
  }

  private async endpointOnce(name: string, namespace: string, suspect: boolean): Promise<string | undefined> {
    const deadline = Date.now() + this.readyTimeoutMs;
    const left = () => Math.max(0, deadline - Date.now());
    let container = name;
    const late = () => new NotReadyError(name, container, this.readyTimeoutMs);
    // Each round either returns or waits for something that moved on (an exit, a start, a change).
    for (let round = 0; round < 8 && left() > 0; round++) {
      const g = await this.group(namespace, name);
      if (!g) throw new NotFoundError('function', name);
      const serving = bySlot(g.serving);
      const head = serving[0];
      if (!head) {
        await within(this.guard.idle(namespace, name), left(), late);
        continue;
      }
      container = head.id;
      if (replicasOf(head) === 0) {
        if (!parseScaleLabels(deploymentOf(head)?.labels).zero) return undefined;
        await within(this.wake(namespace, name), left(), late);
        continue;
      }
      if (suspect && serving.length === 1) this.readiness.suspect(namespace, head.id);
      suspect = false;
      const seen = await Promise.all(
        serving.map(async (c) => ({
          id: c.id,
          task: await this.host.task(namespace, c.id),
          ip: await this.host.ip(namespace, c.id),
        })),
      );
      // A replica being drained (scale down) is neither chosen nor waited for.
      const running = seen.filter(
        (s) => s.task?.status === 'RUNNING' && s.ip && !this.d.resolver.load.isDraining(s.ip),
      );
      for (const s of running) this.readiness.watch(namespace, s.id, s.ip ?? '', s.task?.pid ?? 0);
      const ready = running.filter((s) => this.readiness.isReady(namespace, s.id, s.task?.pid ?? 0));
      const chosen = this.d.resolver.load.choose(ready.map((s) => s.ip ?? ''));
      if (chosen) return chosen;
      if (running.length > 0) {
        const ids = running.map((s) => s.id);
        const outcome = await this.readiness.waitAnyReady(namespace, ids, left());
        if (outcome === 'timeout') throw late();
        if (outcome === 'ready' || running.length === serving.length) continue;
      }
      if (!this.guard.busy(namespace, name))
        this.d.log.warn('function task not running; starting it', {
          namespace,
          function: name,
          containers: seen
            .filter((s) => s.task?.status !== 'RUNNING')
            .map((s) => s.id)
            .join(','),
        });
      await within(this.live.startOnce(namespace, name), left(), late);
    }
    throw late();
  }

  /** After a provider restart or crash: finish or undo half-done changes, start what should run. */
  reconcile(): Promise<void> {
    return reconcileFunctions({
      ctd: this.d.ctd,
      host: this.host,
      network: this.d.network,
      namespaces: this.d.namespaces,
      log: this.d.log,
    });
  }
}
