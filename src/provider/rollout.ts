import type { Containerd, ContainerRecord } from '../containerd/index.js';
import type { ContainerRuntime } from '../runtime/index.js';
import { Laps } from '../laps.js';
import { FaasdError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { containerSpecOf } from './deployment.js';
import { pointFunctionLog, unlinkFunctionLog } from './function-logs.js';
import type { FunctionHost } from './function-host.js';
import { NotReadyError, OLD_VERSION_SERVES, StartFailedError } from './function-errors.js';
import {
  PENDING_LABEL,
  freeSlot,
  instanceLabels,
  nextGeneration,
  primaryOf,
  replicasOf,
  type FunctionContainers,
} from './instances.js';
import type { Readiness } from './readiness.js';
import { parseScaleLabels } from './scale-labels.js';
import { retireReplicas, type ReplicaDeps } from './replicas.js';
import type { FunctionDeployment } from './types.js';

export interface RolloutDeps {
  ctd: Containerd;
  runtime: ContainerRuntime;
  host: FunctionHost;
  readiness: Readiness;
  secretPath: (namespace: string, name: string) => string;
  onSwitch: (namespace: string, name: string) => void;
  log: Logger;
  stopGraceMs: number;
  readyTimeoutMs: number;
  /** Where containers' logs are; undefined leaves NAME.log alone (see function-logs.ts). */
  logDir: string | undefined;
}

/**
 * Creates and starts a container of the deployment and waits (bounded) until it is ready. Any failure
 * removes it whole and says why: a start error or an exit before ready is a StartFailedError, no
 * readiness in time a NotReadyError; `detail` ends the message.
 */
export async function startInstance(
  d: RolloutDeps,
  dep: FunctionDeployment & { namespace: string },
  instance: { id: string; labels: Record<string, string> },
  replicas: number,
  opts: { waitReady: boolean; detail: string; timing?: Record<string, number> },
): Promise<void> {
  const ns = dep.namespace;
  const laps = new Laps(opts.timing);
  const spec = containerSpecOf(dep, (s) => d.secretPath(ns, s), replicas, instance);
  // The new container's logger must open a file of its own, not the link to the serving one's.
  if (d.logDir && instance.id === dep.service) await unlinkFunctionLog(d.logDir, ns, dep.service);
  laps.lap('spec');
  // From the attach to the task's start: the netns pool's refill waits (it competed for the 2 cores).
  const launched = d.host.launching();
  try {
    await d.host.create(spec, opts.timing);
  } catch (err) {
    launched();
    throw err;
  }
  laps.lap('create');
  try {
    if (replicas === 0) return;
    try {
      await d.host.start(ns, instance.id, opts.timing);
      laps.lap('start');
    } catch (err) {
      throw new StartFailedError(dep.service, instance.id, errorMessage(err), opts.detail, { cause: err });
    } finally {
      launched(); // not held while waiting for ready
    }
    if (!opts.waitReady) return;
    const outcome = await d.readiness.waitReady(ns, instance.id, d.readyTimeoutMs);
    if (outcome === 'timeout')
      throw new NotReadyError(dep.service, instance.id, d.readyTimeoutMs, opts.detail);
    if (outcome === 'exited')
      throw new StartFailedError(
        dep.service,
        instance.id,
        'its task exited before it was ready',
        opts.detail,
      );
  } catch (err) {
    await d.host.remove(ns, instance.id, 0).catch((e: unknown) =>
      d.log.error('could not remove a failed container', {
        namespace: ns,
        container: instance.id,
        error: errorMessage(e),
      }),
    );
    throw err instanceof FaasdError
      ? err
      : new StartFailedError(dep.service, instance.id, errorMessage(err), opts.detail, { cause: err });
  } finally {
    launched(); // once: a stopped replica's create, or before any wait for ready
  }
}

/**
 * An update that never loses the function: as many new containers as the function has replicas start
 * beside the serving ones (pending) and take traffic once all are ready; only then are the old ones
 * drained (no new requests, bounded wait for those in flight), stopped (SIGTERM, grace) and removed.
 * Any failure of the new version removes all of it and leaves the old one serving, untouched.
 */
export async function rollout(
  d: RolloutDeps & ReplicaDeps,
  dep: FunctionDeployment & { namespace: string },
  current: FunctionContainers<ContainerRecord>,
): Promise<string[]> {
  const ns = dep.namespace;
  const c = d.ctd.inNamespace(ns);
  const serving = primaryOf(current);
  const policy = parseScaleLabels(dep.labels);
  const was = serving ? replicasOf(serving) : policy.min;
  // A stopped (scaled to zero) function gets its new version created, not started.
  const replicas = was === 0 ? 0 : Math.min(policy.max, Math.max(policy.min, was));
  // Only the slots in use (NAME, NAME.k), as the provider keeps them (slot-index.ts).
  const { taken } = await d.host.slots.used(ns, dep.service);
  const ids = Array.from({ length: Math.max(1, replicas) }, () => {
    const id = freeSlot(dep.service, taken);
    taken.add(id);
    return id;
  });
  const generation = nextGeneration(current);
  d.log.info('update: starting the new version beside the serving one', {
    namespace: ns,
    function: dep.service,
    containers: ids.join(','),
    serving: current.serving.map((s) => s.id).join(','),
    image: dep.image,
  });
  const started = await Promise.allSettled(
    ids.map((id) =>
      startInstance(
        d,
        dep,
        { id, labels: instanceLabels(dep.service, replicas, generation, true) },
        replicas,
        { waitReady: true, detail: OLD_VERSION_SERVES },
      ),
    ),
  );
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    // startInstance removed its own failure; the new replicas that did start go with it.
    for (const [i, r] of started.entries())
      if (r.status === 'fulfilled') await d.host.remove(ns, ids[i] ?? '', 0).catch(() => undefined);
    throw failed.reason;
  }
  // Switch: the new containers are no longer pending, so they are the serving ones from here on.
  for (const id of ids) {
    const record = await c.containers.get(id);
    const labels = { ...(record?.labels ?? {}) };
    delete labels[PENDING_LABEL];
    await c.containers.setLabels(id, labels);
  }
  d.onSwitch(ns, dep.service);
  // The new version serves; reconcile removes an old one left over.
  await retireReplicas(d, ns, dep.service, [...current.serving, ...current.stale, ...current.pending]);
  const head = ids[0] ?? dep.service;
  if (d.logDir)
    await pointFunctionLog(d.logDir, ns, dep.service, head).catch((err: unknown) =>
      d.log.error('update: could not point the function log at the new version', {
        namespace: ns,
        function: dep.service,
        container: head,
        error: errorMessage(err),
      }),
    );
  return ids;
}
