import type { Containerd } from '../containerd/index.js';
import { ensureImage, type RegistryClient } from '../image/index.js';
import { AlreadyExistsError, NotFoundError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { Laps } from '../laps.js';
import type { NamespaceService } from './namespaces.js';
import type { SecretStore } from './secrets.js';
import type { Resolver } from './resolver.js';
import type { ChangeGuard } from './changes.js';
import type { FunctionHost } from './function-host.js';
import type { FunctionLookup } from './function-lookup.js';
import { rollout } from './rollout.js';
import { startFirstReplicas, type FirstDeployDeps } from './first-deploy.js';
import { setReplicas, writeLabel, type ReplicaDeps } from './replicas.js';
import { parseScaleLabels } from './scale-labels.js';
import { unlinkFunctionLog } from './function-logs.js';
import { checkReplicas, primaryOf, UPDATE_ERROR_LABEL } from './instances.js';
import { functionDeployment } from './function-records.js';
import { deploymentInput } from './deploy-input.js';

/** What rollout.ts, replicas.ts and first-deploy.ts need, built once by FunctionService. */
export type ReplicaChangeDeps = FirstDeployDeps & ReplicaDeps;

export interface FunctionChangesDeps {
  registry: RegistryClient;
  secrets: SecretStore;
  namespaces: NamespaceService;
  resolver: Resolver;
  guard: ChangeGuard;
  lookup: FunctionLookup;
  replicaDeps: ReplicaChangeDeps;
  log: Logger;
}

/** The API's changes of functions (deploy, update, delete, scale), each one at a time per function. */
export class FunctionChanges {
  /** The client in the default function namespace (inNamespace reaches the others). */
  private readonly containerd: Containerd;
  private readonly host: FunctionHost;
  private readonly registry: RegistryClient;
  private readonly secrets: SecretStore;
  private readonly namespaces: NamespaceService;
  private readonly resolver: Resolver;
  private readonly guard: ChangeGuard;
  private readonly lookup: FunctionLookup;
  private readonly replicaDeps: ReplicaChangeDeps;
  private readonly log: Logger;

  constructor(deps: FunctionChangesDeps) {
    this.containerd = deps.replicaDeps.ctd;
    this.host = deps.replicaDeps.host;
    this.registry = deps.registry;
    this.secrets = deps.secrets;
    this.namespaces = deps.namespaces;
    this.resolver = deps.resolver;
    this.guard = deps.guard;
    this.lookup = deps.lookup;
    this.replicaDeps = deps.replicaDeps;
    this.log = deps.log;
  }

  private in(namespace: string): Containerd {
    return this.containerd.inNamespace(namespace);
  }

  /**
   * A first deploy: com.openfaas.scale.min containers (NAME, NAME.1, ...), started; invocations wait
   * for one to be ready.
   */
  async deploy(body: unknown): Promise<void> {
    const t0 = performance.now();
    // Where a deploy's time goes, every step, on its log line (the first replica's): bench/density
    // prints the split. total_ms is the whole call; what it has beyond the steps is the event loop's.
    const timing: Record<string, number> = {};
    const laps = new Laps(timing);
    const dep = await deploymentInput({ namespaces: this.namespaces, secrets: this.secrets }, body);
    laps.lap('input');
    const ns = dep.namespace;
    const replicas = parseScaleLabels(dep.labels).min;
    await this.guard.change(ns, dep.service, 'deploy', async () => {
      laps.lap('queue');
      // The slots the provider keeps (slot-index.ts), not lookup.group: within a change the cache is
      // dropped, so it would List, and containerd reads every record for a filtered List (issue #16).
      // Every container of a function sits in one of its slots (freeSlot): they say whether it exists.
      const slots = await this.host.slots.used(ns, dep.service);
      if (slots.exists) throw new AlreadyExistsError('function', dep.service);
      laps.lap('lookup');
      await ensureImage(this.in(ns), this.registry, dep.image, this.log);
      laps.lap('registry');
      try {
        await startFirstReplicas(this.replicaDeps, dep, replicas, slots.taken, timing);
      } finally {
        laps.lap('replicas');
        this.resolver.invalidate(ns, dep.service);
      }
    });
    laps.lap('end');
    timing.total_ms = Math.round(performance.now() - t0);
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
      // faas-cli's deploy begins with a PUT that 404s: answered from the kept slots (slot-index.ts),
      // not a List that containerd answers by reading every record of the namespace (issue #16).
      if (!(await this.host.slots.used(dep.namespace, dep.service)).exists)
        throw new NotFoundError('function', dep.service);
      const current = await this.lookup.existing(dep.service, dep.namespace);
      try {
        await ensureImage(this.in(dep.namespace), this.registry, dep.image, this.log);
        return await rollout(this.replicaDeps, dep, current);
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

  async delete(name: string, namespace: string): Promise<void> {
    await this.lookup.existing(name, namespace);
    await this.guard.change(namespace, name, 'delete', async () => {
      const g = await this.lookup.existing(name, namespace);
      for (const c of [...g.pending, ...g.serving, ...g.stale])
        await this.host.remove(namespace, c.id, this.replicaDeps.stopGraceMs);
      const logDir = this.replicaDeps.logDir;
      if (logDir) await unlinkFunctionLog(logDir, namespace, name);
      this.resolver.invalidate(namespace, name);
      this.resolver.load.forget(namespace, name);
    });
    this.log.info('deleted function', { namespace, function: name });
  }

  /**
   * Sets the function's replicas, 0 to its com.openfaas.scale.max (replicas.ts: up starts new ones,
   * down drains then removes, 0 stops the first and keeps it). Two scales to the same count at once
   * share one change (the gateway's scale from zero), other overlaps are a 409.
   */
  async scale(name: string, namespace: string, replicas: unknown): Promise<void> {
    checkReplicas(replicas, Number.MAX_SAFE_INTEGER);
    const first = await this.lookup.existing(name, namespace);
    const n = checkReplicas(replicas, parseScaleLabels(functionDeployment(first, namespace).labels).max);
    await this.guard.change(namespace, name, 'scale', () => this.scaleNow(namespace, name, n), String(n));
    this.log.info('scaled function', { namespace, function: name, replicas: n });
  }

  /** The autoscaler's scale: the same change as the API's, so it queues behind none and 409s alike. */
  autoscale(namespace: string, name: string, n: number): Promise<void> {
    return this.guard.change(namespace, name, 'scale', () => this.scaleNow(namespace, name, n), String(n));
  }

  private async scaleNow(namespace: string, name: string, n: number): Promise<void> {
    const g = await this.lookup.existing(name, namespace);
    if (!primaryOf(g)) throw new NotFoundError('function', name);
    await setReplicas(this.replicaDeps, functionDeployment(g, namespace), g, n, async (id) => {
      return (await this.host.task(namespace, id))?.status === 'RUNNING';
    });
    this.resolver.invalidate(namespace, name);
  }
}
