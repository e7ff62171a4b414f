import type { Containerd, ContainerRecord } from '../containerd/index.js';
import { errorMessage } from '../errors.js';
import type { LoadTracker } from './balancer.js';
import { REPLICAS_LABEL } from './deployment.js';
import {
  freeSlot,
  generationOf,
  instanceLabels,
  type ContainerView,
  type FunctionContainers,
} from './instances.js';
import { startInstance, type RolloutDeps } from './rollout.js';
import type { FunctionDeployment } from './types.js';

export interface ReplicaDeps {
  load: LoadTracker;
  /** How long a replica taken out of service may finish its requests in flight before it is stopped. */
  drainTimeoutMs: number;
}

type Deps = RolloutDeps & ReplicaDeps;
type Dep = FunctionDeployment & { namespace: string };

/** Serving replicas in slot order (NAME, NAME.1, ...): the first is the one kept at zero. */
export function bySlot<C extends ContainerView>(cs: readonly C[]): C[] {
  const slot = (id: string) => Number(/\.(\d+)$/.exec(id)?.[1] ?? '0');
  return [...cs].sort((a, b) => slot(a.id) - slot(b.id));
}

/**
 * Takes replicas out of service: no request is sent to them from now on, those in flight get up to
 * drainTimeoutMs to finish, then each is stopped (SIGTERM, grace) and removed with its network.
 * `keepStopped` keeps the container and its network (scale to zero) and only stops its task.
 */
export async function retireReplicas(
  d: Deps,
  namespace: string,
  name: string,
  cs: readonly ContainerView[],
  keepStopped?: ContainerView,
): Promise<void> {
  const ips = await Promise.all(cs.map((c) => d.host.ip(namespace, c.id)));
  // Marked first, all at once, so no lookup picks one while another drains.
  const drained = ips.map((ip) => (ip ? d.load.drain(ip, d.drainTimeoutMs) : Promise.resolve(0)));
  d.onSwitch(namespace, name);
  await Promise.all(
    cs.map(async (c, i) => {
      const left = await drained[i];
      if (left)
        d.log.warn('drain timed out; stopping the replica with requests in flight', {
          namespace,
          function: name,
          container: c.id,
          inflight: left,
          drain_ms: d.drainTimeoutMs,
        });
      try {
        if (c.id === keepStopped?.id) {
          d.readiness.forget(namespace, c.id);
          await d.runtime.stop(namespace, c.id, d.stopGraceMs);
        } else {
          await d.host.remove(namespace, c.id, d.stopGraceMs);
        }
      } catch (err) {
        d.log.error('could not retire a replica; reconcile removes it', {
          namespace,
          function: name,
          container: c.id,
          error: errorMessage(err),
        });
      } finally {
        const ip = ips[i];
        if (ip) d.load.retired(ip);
      }
    }),
  );
}

/** Sets the desired count on every serving container (the count lives in their labels). */
export async function writeReplicas(
  d: Deps,
  namespace: string,
  cs: readonly ContainerRecord[],
  n: number,
): Promise<void> {
  const c = d.ctd.inNamespace(namespace);
  for (const x of cs) await c.containers.setLabels(x.id, { ...x.labels, [REPLICAS_LABEL]: String(n) });
}

/**
 * Moves a function to `n` replicas (the caller holds its change guard). Up: new containers of the
 * serving version in free slots, started (they take traffic once ready; the call does not wait). Down:
 * the highest slots are retired (drained, removed). Zero: all but the first go, the first is stopped
 * and kept with its network so a scale from zero is one task start.
 */
export async function setReplicas(
  d: Deps,
  dep: Dep,
  g: FunctionContainers<ContainerRecord>,
  n: number,
  taskRuns: (id: string) => Promise<boolean>,
): Promise<void> {
  const ns = dep.namespace;
  const serving = bySlot(g.serving);
  const head = serving[0];
  if (!head) return;
  await writeReplicas(d, ns, serving, n);
  if (n === 0) {
    await retireReplicas(d, ns, dep.service, serving, head);
    return;
  }
  const extra = serving.slice(Math.max(1, n));
  if (extra.length) await retireReplicas(d, ns, dep.service, extra);
  const kept = serving.slice(0, Math.max(1, n));
  for (const c of kept) if (!(await taskRuns(c.id))) await d.host.start(ns, c.id);
  const { taken } = await d.host.slots.used(ns, dep.service); // slot-index.ts
  const ids: string[] = [];
  for (let i = kept.length; i < n; i++) {
    const id = freeSlot(dep.service, taken);
    taken.add(id);
    ids.push(id);
  }
  const generation = generationOf(head);
  const started = await Promise.allSettled(
    ids.map((id) =>
      startInstance(d, dep, { id, labels: instanceLabels(dep.service, n, generation, false) }, n, {
        waitReady: false,
        detail: '',
      }),
    ),
  );
  d.onSwitch(ns, dep.service);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Sets one label on each container (values cut to 1000 characters: containerd bounds a label). */
export async function writeLabel(
  c: Containerd,
  cs: readonly ContainerRecord[],
  key: string,
  value: string,
): Promise<void> {
  for (const x of cs) await c.containers.setLabels(x.id, { ...x.labels, [key]: value.slice(0, 1000) });
}
