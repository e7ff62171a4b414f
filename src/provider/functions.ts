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
import {
  DEPLOYMENT_ANNOTATION,
  FUNCTION_LABEL,
  REPLICAS_LABEL,
  containerSpecOf,
  parseDeployment,
} from './deployment.js';
import { validateName } from './validate.js';
import { waitForPort } from './wait-port.js';
import { Liveness } from './liveness.js';

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
}

type StoredDeployment = FunctionDeployment & { namespace: string };

function deploymentOf(c: ContainerRecord): StoredDeployment | undefined {
  const raw = (specOf(c)?.annotations as Record<string, string> | undefined)?.[DEPLOYMENT_ANNOTATION];
  return raw ? (JSON.parse(raw) as StoredDeployment) : undefined;
}

/** Functions as containerd containers: deploy, update, delete, list, describe, scale. */
export class FunctionService {
  /** Who is changing which function, and the restarts of those that died. */
  readonly live: Liveness;

  constructor(private readonly d: FunctionServiceDeps) {
    this.live = new Liveness(d);
  }

  private changing<T>(namespace: string, name: string, fn: () => Promise<T>): Promise<T> {
    return this.live.changing(namespace, name, fn);
  }

  private in(namespace: string): Containerd {
    return this.d.ctd.inNamespace(namespace);
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

  private async launch(dep: StoredDeployment, replicas: number): Promise<void> {
    const spec = containerSpecOf(dep, (s) => this.d.secrets.path(dep.namespace, s), replicas);
    await this.d.runtime.create(spec);
    try {
      if (replicas > 0) await this.d.runtime.start(dep.namespace, dep.service);
    } catch (err) {
      await this.d.runtime.remove(dep.namespace, dep.service, { graceMs: 0 }).catch(() => undefined);
      throw err;
    }
    this.d.resolver.invalidate(dep.namespace, dep.service);
  }

  async deploy(body: unknown): Promise<void> {
    const dep = await this.validate(body);
    if (await this.in(dep.namespace).containers.get(dep.service))
      throw new AlreadyExistsError('function', dep.service);
    await ensureImage(this.in(dep.namespace), this.d.registry, dep.image, this.d.log);
    await this.changing(dep.namespace, dep.service, () => this.launch(dep, 1));
    this.d.log.info('deployed function', {
      namespace: dep.namespace,
      function: dep.service,
      image: dep.image,
    });
  }

  /** The new image is pulled before the old container goes, so downtime is only the swap. */
  async update(body: unknown): Promise<void> {
    const dep = await this.validate(body);
    const c = this.in(dep.namespace);
    const old = await c.containers.get(dep.service);
    if (!old?.labels[FUNCTION_LABEL]) throw new NotFoundError('function', dep.service);
    await ensureImage(c, this.d.registry, dep.image, this.d.log);
    const replicas = Number(old.labels[REPLICAS_LABEL] ?? '1');
    await this.changing(dep.namespace, dep.service, async () => {
      await this.d.runtime.remove(dep.namespace, dep.service, { graceMs: this.d.stopGraceMs });
      this.d.resolver.invalidate(dep.namespace, dep.service);
      await this.launch(dep, replicas);
    });
    this.d.log.info('updated function', {
      namespace: dep.namespace,
      function: dep.service,
      image: dep.image,
    });
  }

  private async existing(name: string, namespace: string): Promise<ContainerRecord> {
    validateName('function', name);
    await this.d.namespaces.assertUsable(namespace);
    const c = await this.in(namespace).containers.get(name);
    if (!c?.labels[FUNCTION_LABEL]) throw new NotFoundError('function', name);
    return c;
  }

  async delete(name: string, namespace: string): Promise<void> {
    await this.existing(name, namespace);
    await this.changing(namespace, name, () =>
      this.d.runtime.remove(namespace, name, { graceMs: this.d.stopGraceMs }),
    );
    this.d.resolver.invalidate(namespace, name);
    this.d.log.info('deleted function', { namespace, function: name });
  }

  private async status(c: ContainerRecord, namespace: string): Promise<FunctionStatus> {
    const dep = deploymentOf(c) ?? { service: c.id, image: c.image, namespace };
    const task = await this.in(namespace).tasks.get(c.id);
    const replicas = Number(c.labels[REPLICAS_LABEL] ?? '1');
    const { service, ...rest } = dep;
    const created = toDate(c.createdAt);
    const memory = task?.status === 'RUNNING' ? await memoryUsageBytes(namespace, c.id) : undefined;
    return {
      ...rest,
      name: service,
      namespace,
      invocationCount: 0,
      replicas,
      availableReplicas: task?.status === 'RUNNING' ? 1 : 0,
      ...(created ? { createdAt: created.toISOString() } : {}),
      ...(memory !== undefined ? { usage: { totalMemoryBytes: memory } } : {}),
    };
  }

  async list(namespace: string): Promise<FunctionStatus[]> {
    await this.d.namespaces.assertUsable(namespace);
    const containers = await this.in(namespace).containers.list(`labels."${FUNCTION_LABEL}"`);
    return Promise.all(containers.map((c) => this.status(c, namespace)));
  }

  async describe(name: string, namespace: string): Promise<FunctionStatus> {
    return this.status(await this.existing(name, namespace), namespace);
  }

  /** faasd runs one replica at most: 0 stops the task (the container and its network stay), ≥1 starts it. */
  async scale(name: string, namespace: string, replicas: unknown): Promise<void> {
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw new InvalidArgumentError(
        'replicas',
        `replicas ${JSON.stringify(replicas)} must be a whole number >= 0`,
      );
    }
    const c = await this.existing(name, namespace);
    const ctd = this.in(namespace);
    await ctd.containers.setLabels(name, { ...c.labels, [REPLICAS_LABEL]: String(replicas) });
    const task = await ctd.tasks.get(name);
    await this.changing(namespace, name, async () => {
      if (replicas === 0 && task) await this.d.runtime.stop(namespace, name, this.d.stopGraceMs);
      if (replicas > 0 && task?.status !== 'RUNNING') await this.d.runtime.start(namespace, name);
    });
    this.d.resolver.invalidate(namespace, name);
    this.d.log.info('scaled function', { namespace, function: name, replicas });
  }

  /**
   * The address to invoke, starting the task again when it should run and does not (a crash, an OOM
   * kill, a reboot): undefined when the function is scaled to zero. `suspect`: a connect to it was just
   * refused, so containerd may not have seen the exit yet; wait (bounded) for the port or for the exit.
   */
  async endpoint(name: string, namespace: string, suspect = false): Promise<string | undefined> {
    const c = await this.in(namespace).containers.get(name);
    if (!c?.labels[FUNCTION_LABEL]) throw new NotFoundError('function', name);
    if (Number(c.labels[REPLICAS_LABEL] ?? '1') === 0) return undefined;
    const ip = (await this.d.network.store.find(namespace, name))?.ip;
    const port = this.d.functionPort ?? 8080;
    const tasks = this.in(namespace).tasks;
    let task = await tasks.get(name);
    if (suspect && ip && task?.status === 'RUNNING' && !(await waitForPort(ip, port, 1000))) {
      await tasks.kill(name, 9, true);
      task = await tasks.get(name);
    }
    if (task?.status !== 'RUNNING') {
      this.d.log.warn('function task not running; starting it', {
        namespace,
        function: name,
        status: task?.status ?? 'none',
      });
      await this.live.startOnce(namespace, name);
      if (ip) await waitForPort(ip, port, 10_000);
    }
    return ip;
  }

  /** After a provider restart or crash: start what should run, drop networks of vanished containers. */
  async reconcile(): Promise<void> {
    for (const ns of await this.d.namespaces.list()) {
      for (const c of await this.in(ns).containers.list(`labels."${FUNCTION_LABEL}"`)) {
        if (!(await this.d.network.store.find(ns, c.id))) {
          // No network (a crash mid-deploy): it cannot run; remove it whole.
          await this.d.runtime.remove(ns, c.id, { graceMs: 0 });
          this.d.log.info('removed half-deployed function', { namespace: ns, function: c.id });
          continue;
        }
        const task = await this.in(ns).tasks.get(c.id);
        if (Number(c.labels[REPLICAS_LABEL] ?? '1') > 0 && task?.status !== 'RUNNING') {
          await this.d.runtime.start(ns, c.id);
          this.d.log.info('started function that should run', { namespace: ns, function: c.id });
        }
      }
    }
    const removed = await this.d.network.reconcile(async (ns, id) =>
      Boolean(await this.in(ns).containers.get(id)),
    );
    for (const r of removed) this.d.log.info('reconciled network attachment', { attachment: r });
  }
}
