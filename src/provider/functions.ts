import type { Containerd, ContainerRecord } from '../containerd/index.js';
import { specOf, toDate } from '../containerd/index.js';
import { memoryUsageBytes, type ContainerRuntime } from '../runtime/index.js';
import type { CniNetwork } from '../network/index.js';
import { ensureImage } from '../supervisor/index.js';
import type { RegistryClient } from '../image/index.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { Logger } from '../log.js';
import type { NamespaceService } from './namespaces.js';
import type { SecretStore } from './secrets.js';
import type { Resolver } from './resolver.js';
import type { FunctionDeployment, FunctionStatus } from './types.js';
import { DEPLOYMENT_ANNOTATION, REPLICAS_LABEL, parseDeployment } from './deployment.js';
import { validateName } from './validate.js';
import { Liveness } from './liveness.js';
import { ChangeGuard } from './changes.js';
import { Readiness, probeHealth } from './readiness.js';
import { FunctionHost } from './function-host.js';
import { NotReadyError } from './function-errors.js';
import { rollout, startInstance, type RolloutDeps } from './rollout.js';
import { reconcileFunctions } from './reconcile.js';
import { unlinkFunctionLog } from './function-logs.js';
import {
  checkReplicas,
  freeSlot,
  groupFunctions,
  instanceLabels,
  maxReplicas,
  primaryOf,
  replicasOf,
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
  }

  private get rolloutDeps(): RolloutDeps {
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
    return dep;
  }

  /** A first deploy: the container is NAME, started; invocations wait for it to be ready. */
  async deploy(body: unknown): Promise<void> {
    const dep = await this.validate(body);
    const ns = dep.namespace;
    await this.guard.change(ns, dep.service, 'deploy', async () => {
      if (await this.group(ns, dep.service)) throw new AlreadyExistsError('function', dep.service);
      await ensureImage(this.in(ns), this.d.registry, dep.image, this.d.log);
      const taken = new Set((await this.in(ns).containers.list()).map((c) => c.id));
      const id = freeSlot(dep.service, taken);
      await startInstance(
        this.rolloutDeps,
        dep,
        { id, labels: instanceLabels(dep.service, 1, 1, false) },
        1,
        {
          waitReady: false,
          detail: '',
        },
      );
      this.d.resolver.invalidate(ns, dep.service);
    });
    this.d.log.info('deployed function', { namespace: ns, function: dep.service, image: dep.image });
  }

  /** The new version starts beside the old one and takes over once ready (rollout.ts). */
  async update(body: unknown): Promise<void> {
    const dep = await this.validate(body);
    const container = await this.guard.change(dep.namespace, dep.service, 'update', async () => {
      const current = await this.existing(dep.service, dep.namespace);
      await ensureImage(this.in(dep.namespace), this.d.registry, dep.image, this.d.log);
      return rollout(this.rolloutDeps, dep, current);
    });
    this.d.log.info('updated function', {
      namespace: dep.namespace,
      function: dep.service,
      container,
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
    });
    this.d.log.info('deleted function', { namespace, function: name });
  }

  private async status(g: Fn, namespace: string): Promise<FunctionStatus> {
    const c = primaryOf(g) ?? g.pending[0] ?? g.stale[0];
    if (!c) throw new NotFoundError('function', g.name);
    const dep = deploymentOf(c) ?? { service: g.name, image: c.image, namespace };
    const task = await this.host.observe(namespace, c.id);
    const running = task?.status === 'RUNNING';
    const { service, ...rest } = dep;
    const created = toDate(c.createdAt);
    const memory = running ? await memoryUsageBytes(namespace, c.id) : undefined;
    return {
      ...rest,
      name: service,
      namespace,
      invocationCount: 0,
      replicas: replicasOf(c),
      availableReplicas: running && this.readiness.isReady(namespace, c.id, task.pid) ? 1 : 0,
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
   * faasd runs one replica at most: 0 stops the task (the container and its network stay), ≥1 starts
   * it. The count is bounded by the function's com.openfaas.scale.max label. Two scales to the same
   * count at once share one change (the gateway's scale from zero), other overlaps are a 409.
   */
  async scale(name: string, namespace: string, replicas: unknown): Promise<void> {
    checkReplicas(replicas, Number.MAX_SAFE_INTEGER);
    const first = await this.existing(name, namespace);
    const head = primaryOf(first) ?? first.pending[0];
    const n = checkReplicas(replicas, maxReplicas(head && deploymentOf(head)?.labels));
    await this.guard.change(
      namespace,
      name,
      'scale',
      async () => {
        const g = await this.existing(name, namespace);
        const serving = primaryOf(g);
        if (!serving) throw new NotFoundError('function', name);
        const ctd = this.in(namespace);
        for (const c of g.serving)
          await ctd.containers.setLabels(c.id, { ...c.labels, [REPLICAS_LABEL]: String(n) });
        const task = await this.host.task(namespace, serving.id);
        if (n === 0 && task) {
          this.readiness.forget(namespace, serving.id);
          await this.d.runtime.stop(namespace, serving.id, this.d.stopGraceMs);
        }
        if (n > 0 && task?.status !== 'RUNNING') await this.host.start(namespace, serving.id);
        this.d.resolver.invalidate(namespace, name);
      },
      String(n),
    );
    this.d.log.info('scaled function', { namespace, function: name, replicas: n });
  }

  /** The address of the function's serving container when it is ready now; no waiting, no start. */
  async readyAddress(namespace: string, name: string): Promise<string | undefined> {
    const g = await this.group(namespace, name);
    const serving = g && primaryOf(g);
    if (!serving) return undefined;
    const task = await this.host.task(namespace, serving.id);
    if (task?.status !== 'RUNNING' || !this.readiness.isReady(namespace, serving.id, task.pid))
      return undefined;
    return this.host.ip(namespace, serving.id);
  }

  /**
   * The address to invoke once the serving container is ready: undefined when the function is scaled
   * to zero. A task that should run and does not (a crash, an OOM kill, a reboot) is started again —
   * after any change of the function ends, never under it. `suspect`: a connect to it was just refused;
   * it is probed again, never killed. Waits at most readyTimeoutMs, then a NotReadyError (504).
   */
  async endpoint(name: string, namespace: string, suspect = false): Promise<string | undefined> {
    const deadline = Date.now() + this.readyTimeoutMs;
    const left = () => Math.max(0, deadline - Date.now());
    let container = name;
    const late = () => new NotReadyError(name, container, this.readyTimeoutMs);
    // Each round either returns or waits for something that moved on (an exit, a start, a change).
    for (let round = 0; round < 8 && left() > 0; round++) {
      const g = await this.group(namespace, name);
      if (!g) throw new NotFoundError('function', name);
      const serving = primaryOf(g);
      if (!serving) {
        await within(this.guard.idle(namespace, name), left(), late);
        continue;
      }
      container = serving.id;
      if (replicasOf(serving) === 0) return undefined;
      const task = await this.host.task(namespace, serving.id);
      const ip = await this.host.ip(namespace, serving.id);
      if (task?.status === 'RUNNING' && ip) {
        this.readiness.watch(namespace, serving.id, ip, task.pid);
        if (suspect) this.readiness.suspect(namespace, serving.id);
        suspect = false;
        const outcome = await this.readiness.waitReady(namespace, serving.id, left());
        if (outcome === 'ready') return ip;
        if (outcome === 'timeout') throw late();
        continue;
      }
      if (!this.guard.busy(namespace, name))
        this.d.log.warn('function task not running; starting it', {
          namespace,
          function: name,
          container: serving.id,
          status: task?.status ?? 'none',
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
