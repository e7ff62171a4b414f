import type { Containerd } from '../containerd/index.js';
import type { ContainerRuntime } from '../runtime/index.js';
import type { CniNetwork } from '../network/index.js';
import { ensureImage } from '../supervisor/index.js';
import type { RegistryClient } from '../image/index.js';
import { AlreadyExistsError, NotFoundError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { NamespaceService } from './namespaces.js';
import type { SecretStore } from './secrets.js';
import type { Resolver } from './resolver.js';
import type { FunctionStatus } from './types.js';
import { FUNCTION_LABEL } from './deployment.js';
import { validateName } from './validate.js';
import { Liveness } from './liveness.js';
import { ChangeGuard } from './changes.js';
import { Readiness, probeHealth } from './readiness.js';
import { FunctionHost } from './function-host.js';
import { rollout, type RolloutDeps } from './rollout.js';
import { startFirstReplicas } from './first-deploy.js';
import { setReplicas, writeLabel, type ReplicaDeps } from './replicas.js';
import { parseScaleLabels } from './scale-labels.js';
import { ScaleMetrics } from './scale-metrics.js';
import { reconcileFunctions } from './reconcile.js';
import { unlinkFunctionLog } from './function-logs.js';
import { checkReplicas, primaryOf, UPDATE_ERROR_LABEL } from './instances.js';
import { functionDeployment, type Fn } from './function-records.js';
import { deploymentInput } from './deploy-input.js';
import { ScaleFromZero } from './scale-from-zero.js';
import { FunctionLookup } from './function-lookup.js';
import { FunctionStatuses, type ScaleTarget } from './function-status.js';
import { Endpoints } from './endpoints.js';
import { ContainerCache } from './container-cache.js';

export type { ScaleTarget } from './function-status.js';

export interface FunctionServiceDeps {
  /** The client in the default function namespace (inNamespace reaches the others). */
  containerd: Containerd;
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

/** Functions as containerd containers: deploy, update, delete, list, describe, scale, invoke address. */
export class FunctionService {
  /** Kept lists of function containers; every change through the guard drops them. */
  private readonly cache: ContainerCache;
  /** One API change at a time per function name. */
  readonly guard: ChangeGuard;
  readonly readiness: Readiness;
  readonly host: FunctionHost;
  /** Restarts of functions that died. */
  readonly live: Liveness;
  private readonly readyTimeoutMs: number;
  private readonly zero: ScaleFromZero;
  private readonly lookup: FunctionLookup;
  /** Replicas per function and the autoscaler's decisions, rendered on /metrics. */
  readonly scaleMetrics = new ScaleMetrics();

  private readonly containerd: Containerd;
  private readonly registry: RegistryClient;
  private readonly secrets: SecretStore;
  private readonly namespaces: NamespaceService;
  private readonly resolver: Resolver;
  private readonly log: Logger;
  private readonly statuses: FunctionStatuses;
  private readonly endpoints: Endpoints;

  constructor(private readonly options: FunctionServiceDeps) {
    this.containerd = options.containerd;
    const containerd = options.containerd;
    this.cache = new ContainerCache((ns) =>
      containerd.inNamespace(ns).containers.list(`labels."${FUNCTION_LABEL}"`),
    );
    this.guard = new ChangeGuard(this.cache);
    this.lookup = new FunctionLookup(this.cache, (ns, name) => this.host.functionContainers(ns, name));
    this.registry = options.registry;
    this.secrets = options.secrets;
    this.namespaces = options.namespaces;
    this.resolver = options.resolver;
    this.log = options.log;
    const port = options.functionPort ?? 8080;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
    this.readiness = new Readiness({
      probe: (host, p) => probeHealth(host, p, 1000),
      runningPid: (ns, id) => this.host.runningPid(ns, id),
      port,
      log: this.log,
    });
    this.host = new FunctionHost(
      this.containerd,
      options.runtime,
      options.network,
      this.readiness,
      this.cache,
    );
    this.live = new Liveness({
      fns: this.host,
      guard: this.guard,
      namespaces: this.namespaces,
      resolver: this.resolver,
      log: this.log,
    });
    this.statuses = new FunctionStatuses({
      host: this.host,
      readiness: this.readiness,
      load: this.resolver.load,
    });
    this.endpoints = new Endpoints({
      host: this.host,
      readiness: this.readiness,
      load: this.resolver.load,
      guard: this.guard,
      live: this.live,
      log: this.log,
      group: (ns, name) => this.group(ns, name),
      wake: (ns, name) => this.zero.wake(ns, name),
      readyTimeoutMs: this.readyTimeoutMs,
    });
    this.zero = new ScaleFromZero({
      guard: this.guard,
      group: (ns, name) => this.group(ns, name),
      scaleTo: (dep, g, n) => setReplicas(this.rolloutDeps, dep, g, n, async () => false),
      log: this.log,
    });
    // A refused connect (seen by the invoke path's track) makes that replica not ready until probed.
    this.resolver.whenRefused((ns, _name, ip) => this.readiness.suspectAddress(ns, ip));
  }

  private get rolloutDeps(): RolloutDeps & ReplicaDeps {
    return {
      ctd: this.containerd,
      runtime: this.options.runtime,
      host: this.host,
      readiness: this.readiness,
      secretPath: (ns, s) => this.secrets.path(ns, s),
      onSwitch: (ns, name) => this.resolver.invalidate(ns, name),
      log: this.log,
      stopGraceMs: this.options.stopGraceMs,
      readyTimeoutMs: this.readyTimeoutMs,
      logDir: this.options.logDir,
      load: this.resolver.load,
      drainTimeoutMs: this.options.drainTimeoutMs ?? 30_000,
    };
  }

  private in(namespace: string): Containerd {
    return this.containerd.inNamespace(namespace);
  }

  /** One function's containers now (FunctionLookup). */
  private group(namespace: string, name: string): Promise<Fn | undefined> {
    return this.lookup.group(namespace, name);
  }

  /**
   * A first deploy: com.openfaas.scale.min containers (NAME, NAME.1, ...), started; invocations wait
   * for one to be ready.
   */
  async deploy(body: unknown): Promise<void> {
    const dep = await deploymentInput({ namespaces: this.namespaces, secrets: this.secrets }, body);
    const ns = dep.namespace;
    const replicas = parseScaleLabels(dep.labels).min;
    // Where a deploy's time goes, on its log line (the first replica's): bench/density prints the split.
    const timing: Record<string, number> = {};
    await this.guard.change(ns, dep.service, 'deploy', async () => {
      if (await this.group(ns, dep.service)) throw new AlreadyExistsError('function', dep.service);
      const t0 = performance.now();
      await ensureImage(this.in(ns), this.registry, dep.image, this.log);
      timing.registry_ms = Math.round(performance.now() - t0);
      try {
        await startFirstReplicas(
          { ...this.rolloutDeps, network: this.options.network },
          dep,
          replicas,
          timing,
        );
      } finally {
        this.resolver.invalidate(ns, dep.service);
      }
    });
    this.log.info('deployed function', {
      namespace: ns,
      function: dep.service,
      image: dep.image,
      replicas,
      ...timing,
    });
  }

  /** The new version starts beside the old one and takes over once ready (rollout.ts). */
  async update(body: unknown): Promise<void> {
    const dep = await deploymentInput({ namespaces: this.namespaces, secrets: this.secrets }, body);
    const ids = await this.guard.change(dep.namespace, dep.service, 'update', async () => {
      const current = await this.existing(dep.service, dep.namespace);
      try {
        await ensureImage(this.in(dep.namespace), this.registry, dep.image, this.log);
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
    this.log.info('updated function', {
      namespace: dep.namespace,
      function: dep.service,
      containers: ids.join(','),
      image: dep.image,
    });
  }

  private async existing(name: string, namespace: string): Promise<Fn> {
    validateName('function', name);
    await this.namespaces.assertUsable(namespace);
    const g = await this.group(namespace, name);
    if (!g) throw new NotFoundError('function', name);
    return g;
  }

  async delete(name: string, namespace: string): Promise<void> {
    await this.existing(name, namespace);
    await this.guard.change(namespace, name, 'delete', async () => {
      const g = await this.existing(name, namespace);
      for (const c of [...g.pending, ...g.serving, ...g.stale])
        await this.host.remove(namespace, c.id, this.options.stopGraceMs);
      if (this.options.logDir) await unlinkFunctionLog(this.options.logDir, namespace, name);
      this.resolver.invalidate(namespace, name);
      this.resolver.load.forget(namespace, name);
    });
    this.log.info('deleted function', { namespace, function: name });
  }

  async list(namespace: string): Promise<FunctionStatus[]> {
    await this.namespaces.assertUsable(namespace);
    return this.statuses.list(namespace);
  }

  async describe(name: string, namespace: string): Promise<FunctionStatus> {
    return this.statuses.describe(await this.existing(name, namespace), namespace);
  }

  /**
   * Sets the function's replicas, 0 to its com.openfaas.scale.max (replicas.ts: up starts new ones,
   * down drains then removes, 0 stops the first and keeps it). Two scales to the same count at once
   * share one change (the gateway's scale from zero), other overlaps are a 409.
   */
  async scale(name: string, namespace: string, replicas: unknown): Promise<void> {
    checkReplicas(replicas, Number.MAX_SAFE_INTEGER);
    const first = await this.existing(name, namespace);
    const n = checkReplicas(replicas, parseScaleLabels(functionDeployment(first, namespace).labels).max);
    await this.guard.change(namespace, name, 'scale', () => this.scaleNow(namespace, name, n), String(n));
    this.log.info('scaled function', { namespace, function: name, replicas: n });
  }

  /** The autoscaler's scale: the same change as the API's, so it queues behind none and 409s alike. */
  autoscale(namespace: string, name: string, n: number): Promise<void> {
    return this.guard.change(namespace, name, 'scale', () => this.scaleNow(namespace, name, n), String(n));
  }

  private async scaleNow(namespace: string, name: string, n: number): Promise<void> {
    const g = await this.existing(name, namespace);
    if (!primaryOf(g)) throw new NotFoundError('function', name);
    await setReplicas(this.rolloutDeps, functionDeployment(g, namespace), g, n, async (id) => {
      return (await this.host.task(namespace, id))?.status === 'RUNNING';
    });
    this.resolver.invalidate(namespace, name);
  }

  /** Every function with its policy and desired count, for the autoscaler. */
  async scaleTargets(): Promise<ScaleTarget[]> {
    return this.statuses.scaleTargets(await this.namespaces.list());
  }

  /** The addresses of the function's ready replicas now (the resolver picks among them). */
  readyAddresses(namespace: string, name: string): Promise<string[]> {
    return this.endpoints.readyAddresses(namespace, name);
  }

  /**
   * The address of a ready replica to invoke, the one with the fewest requests in flight: undefined
   * when the function is scaled to zero by hand (one the idle scaler took to zero is started again). A
   * replica that should run and does not (a crash, an OOM kill, a reboot) is started again — after any
   * change of the function ends, never under it. `suspect`: a connect was just refused; a lone replica
   * is probed again (with several, the resolver's track already marked the refused one), never killed.
   * Waits at most readyTimeoutMs, then a NotReadyError (504).
   */
  endpoint(name: string, namespace: string, suspect = false): Promise<string | undefined> {
    return this.endpoints.endpoint(name, namespace, suspect);
  }

  /** After a provider restart or crash: finish or undo half-done changes, start what should run. */
  async reconcile(): Promise<void> {
    // It removes and relabels containers outside the guard: what was kept before or during it goes.
    try {
      await reconcileFunctions({
        containerd: this.containerd,
        host: this.host,
        network: this.options.network,
        namespaces: this.namespaces,
        readiness: this.readiness,
        log: this.log,
        readyTimeoutMs: this.readyTimeoutMs,
      });
    } finally {
      this.cache.invalidate();
    }
  }
}
