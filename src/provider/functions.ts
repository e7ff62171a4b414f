import type { Containerd } from '../containerd/index.js';
import type { ContainerRuntime } from '../runtime/index.js';
import type { CniNetwork } from '../network/index.js';
import type { RegistryClient } from '../image/index.js';
import type { Logger } from '../log.js';
import type { NamespaceService } from './namespaces.js';
import type { SecretStore } from './secrets.js';
import type { Resolver } from './resolver.js';
import type { Availability, FunctionStatus } from './types.js';
import { headOf } from './function-records.js';
import { replicasOf } from './instances.js';
import { FUNCTION_LABEL } from './deployment.js';
import { Liveness } from './liveness.js';
import { ChangeGuard } from './changes.js';
import { Readiness, probeHealth } from './readiness.js';
import { FunctionHost } from './function-host.js';
import { setReplicas } from './replicas.js';
import { reconcileFunctions, type Reconciled } from './reconcile.js';
import { ScaleFromZero } from './scale-from-zero.js';
import { FunctionLookup } from './function-lookup.js';
import { FunctionStatuses } from './function-status.js';
import type { ScaleTarget } from '../autoscaler/index.js';
import { Endpoints } from './endpoints.js';
import { ContainerCache } from './container-cache.js';
import { FunctionChanges, type ReplicaChangeDeps } from './function-changes.js';

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

/**
 * Functions as containerd containers: deploy, update, delete, list, describe, scale, invoke address.
 * It wires the parts (each in its own file) and answers reads; the changes are FunctionChanges'.
 */
export class FunctionService {
  /** Kept lists of function containers; every change through the guard drops them. */
  private readonly cache: ContainerCache;
  /** One API change at a time per function name. */
  readonly guard: ChangeGuard;
  readonly readiness: Readiness;
  readonly host: FunctionHost;
  /** Restarts of functions that died. */
  readonly live: Liveness;
  /** The client in the default function namespace (inNamespace reaches the others). */
  private readonly containerd: Containerd;
  private readonly network: CniNetwork;
  private readonly namespaces: NamespaceService;
  private readonly log: Logger;
  private readonly readyTimeoutMs: number;
  private readonly lookup: FunctionLookup;
  private readonly statuses: FunctionStatuses;
  private readonly endpoints: Endpoints;
  private readonly changes: FunctionChanges;

  constructor(deps: FunctionServiceDeps) {
    const containerd = deps.containerd;
    const resolver = deps.resolver;
    this.containerd = containerd;
    this.network = deps.network;
    this.namespaces = deps.namespaces;
    this.log = deps.log;
    this.readyTimeoutMs = deps.readyTimeoutMs ?? 60_000;
    this.cache = new ContainerCache((ns) =>
      containerd.inNamespace(ns).containers.list(`labels."${FUNCTION_LABEL}"`),
    );
    this.guard = new ChangeGuard(this.cache);
    this.lookup = new FunctionLookup(
      this.cache,
      (ns, name) => this.host.functionContainers(ns, name),
      this.namespaces,
    );
    const group = (ns: string, name: string) => this.lookup.group(ns, name);
    this.readiness = new Readiness({
      probe: (host, p) => probeHealth(host, p, 1000),
      runningPid: (ns, id) => this.host.runningPid(ns, id),
      port: deps.functionPort ?? 8080,
      log: this.log,
    });
    this.host = new FunctionHost(containerd, deps.runtime, this.network, this.readiness, this.cache);
    this.live = new Liveness({
      fns: this.host,
      guard: this.guard,
      namespaces: this.namespaces,
      resolver,
      log: this.log,
    });
    this.statuses = new FunctionStatuses({ host: this.host, readiness: this.readiness, load: resolver.load });
    const replicaDeps: ReplicaChangeDeps = {
      ctd: containerd,
      runtime: deps.runtime,
      network: this.network,
      host: this.host,
      readiness: this.readiness,
      secretPath: (ns, s) => deps.secrets.path(ns, s),
      onSwitch: (ns, name) => resolver.invalidate(ns, name),
      log: this.log,
      stopGraceMs: deps.stopGraceMs,
      readyTimeoutMs: this.readyTimeoutMs,
      logDir: deps.logDir,
      load: resolver.load,
      drainTimeoutMs: deps.drainTimeoutMs ?? 30_000,
    };
    const zero = new ScaleFromZero({
      guard: this.guard,
      group,
      scaleTo: (dep, g, n) => setReplicas(replicaDeps, dep, g, n, async () => false),
      log: this.log,
    });
    this.endpoints = new Endpoints({
      host: this.host,
      readiness: this.readiness,
      load: resolver.load,
      guard: this.guard,
      live: this.live,
      log: this.log,
      group,
      wake: (ns, name) => zero.wake(ns, name),
      readyTimeoutMs: this.readyTimeoutMs,
    });
    this.changes = new FunctionChanges({
      registry: deps.registry,
      secrets: deps.secrets,
      namespaces: this.namespaces,
      resolver,
      guard: this.guard,
      lookup: this.lookup,
      replicaDeps,
      log: this.log,
    });
    // A refused connect (seen by the invoke path's track) makes that replica not ready until probed.
    resolver.whenRefused((ns, _name, ip) => this.readiness.suspectAddress(ns, ip));
  }

  /** See FunctionChanges.deploy. */
  deploy(body: unknown): Promise<void> {
    return this.changes.deploy(body);
  }

  /** See FunctionChanges.update. */
  update(body: unknown): Promise<void> {
    return this.changes.update(body);
  }

  delete(name: string, namespace: string): Promise<void> {
    return this.changes.delete(name, namespace);
  }

  /** See FunctionChanges.scale. */
  scale(name: string, namespace: string, replicas: unknown): Promise<void> {
    return this.changes.scale(name, namespace, replicas);
  }

  /** See FunctionChanges.autoscale. */
  autoscale(namespace: string, name: string, n: number): Promise<void> {
    return this.changes.autoscale(namespace, name, n);
  }

  async list(namespace: string): Promise<FunctionStatus[]> {
    await this.namespaces.assertUsable(namespace);
    return this.statuses.list(namespace);
  }

  async describe(name: string, namespace: string): Promise<FunctionStatus> {
    return this.statuses.describe(await this.lookup.existing(name, namespace), namespace);
  }

  /**
   * Desired and ready replicas only (404 for an unknown function): the gateway's check before a first
   * invocation. A describe also reads each replica's memory and the whole spec: after a restart at
   * N = 1,000 the first invocation of every function paid for that.
   */
  async availability(name: string, namespace: string): Promise<Availability> {
    const g = await this.lookup.existing(name, namespace);
    const head = headOf(g);
    const replicas = head ? replicasOf(head) : 0;
    return {
      replicas,
      available: replicas ? (await this.endpoints.readyAddresses(namespace, name)).length : 0,
    };
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
  async reconcile(): Promise<Reconciled> {
    // It removes and relabels containers outside the guard: what was kept before or during it goes.
    try {
      return await reconcileFunctions({
        containerd: this.containerd,
        host: this.host,
        network: this.network,
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
