import type { Containerd } from '../containerd/index.js';
import type { CniNetwork } from '../network/index.js';
import type { Logger } from '../log.js';
import { sweepCreateLeftovers } from '../runtime/index.js';
import type { FunctionHost } from './function-host.js';
import type { ReadyOutcome } from './readiness.js';
import { PENDING_LABEL, groupFunctions, replicasOf, type FunctionContainers } from './instances.js';
import type { ContainerRecord } from '../containerd/index.js';
import { Laps } from '../laps.js';

/** What the create-leftovers sweep reads of a namespace (leases, snapshots, containers). */
type LeftoverView = ReturnType<Parameters<typeof sweepCreateLeftovers>[0]['inNamespace']>;

/** What reconcile uses of containerd in a namespace (the Containerd client; unit tests give a fake). */
export interface ReconcileContainerd {
  inNamespace(namespace: string): LeftoverView & {
    containers: Pick<Containerd['containers'], 'list' | 'get' | 'setLabels'>;
  };
}

export interface ReconcileDeps {
  containerd: ReconcileContainerd;
  host: Pick<FunctionHost, 'view' | 'containers' | 'remove' | 'watchRunning' | 'start'>;
  network: { store: Pick<CniNetwork['store'], 'find'>; reconcile: CniNetwork['reconcile'] };
  namespaces: { list(): Promise<string[]> };
  /** Whether an adopted replica answered its first probe (the start's `replicas ready` line). */
  readiness: { waitReady(namespace: string, id: string, timeoutMs: number): Promise<ReadyOutcome> };
  log: Logger;
  /** How long the `replicas ready after start` line waits for the slowest adopted replica. */
  readyTimeoutMs?: number;
}

/** What a reconcile leaves running. */
export interface Reconciled {
  /** Settles once every adopted replica answered its first probe, exited, or ran out of time. */
  adoptedReady: Promise<void>;
}

/** Where a reconcile spent its time, and what it found. */
interface Phases {
  sweep_ms: number;
  /** Containers and tasks are listed at once, one List each per namespace. */
  list_ms: number;
  adopt_ms: number;
  network_ms: number;
  containers: number;
  running: number;
  started: number;
}

/**
 * After a provider restart or crash. Per function: an update that died half-way left a pending new
 * container (removed, or adopted when it is all there is) or an old version beside the new (removed);
 * a container without a network (a crash mid-deploy) cannot run and goes; the rest is started when it
 * should run, or probed when it runs (running replicas are adopted, never re-created: issue #12). Then
 * network attachments of vanished containers go. Logs one line with its phases (issue #16), and later
 * one when every adopted replica answered its first probe (or did not in time): `adoptedReady`.
 */
export async function reconcileFunctions(d: ReconcileDeps): Promise<Reconciled> {
  const t0 = performance.now();
  const laps = new Laps();
  const p: Phases = {
    sweep_ms: 0,
    list_ms: 0,
    adopt_ms: 0,
    network_ms: 0,
    containers: 0,
    running: 0,
    started: 0,
  };
  const namespaces = await d.namespaces.list();
  const adopted: [namespace: string, id: string][] = [];
  // Each namespace's function containers as listed, less those removed here: the network's judge below.
  const listed = new Map<string, Set<string>>();
  const remove = async (ns: string, id: string) => {
    await d.host.remove(ns, id, 0);
    listed.get(ns)?.delete(id);
  };
  for (const ns of namespaces) {
    // A create killed half-way (a lease, a prepared snapshot, no container): nothing else creates yet.
    for (const r of await sweepCreateLeftovers(d.containerd, ns))
      d.log.info('removed what an interrupted create left', { namespace: ns, removed: r });
    p.sweep_ms += laps.next();
    // One Tasks.List, one Containers.List and one store read for the namespace, at once (issue #16).
    const [view, containers] = await Promise.all([d.host.view(ns), d.host.containers(ns)]);
    p.list_ms += laps.next();
    p.containers += containers.length;
    listed.set(ns, new Set(containers.map((c) => c.id)));
    for (const g of groupFunctions(containers).values()) {
      for (const s of await settle(d, ns, g, remove)) {
        if (!view.ips.has(s.id) && !(await d.network.store.find(ns, s.id))) {
          await remove(ns, s.id);
          d.log.info('removed half-deployed function', { namespace: ns, function: g.name, container: s.id });
          continue;
        }
        const task = view.tasks.get(s.id);
        if (task?.status === 'RUNNING') {
          d.host.watchRunning(ns, s.id, task, view.ips.get(s.id));
          adopted.push([ns, s.id]);
          p.running++;
        } else if (replicasOf(s) > 0) {
          await d.host.start(ns, s.id);
          p.started++;
          d.log.info('started function that should run', {
            namespace: ns,
            function: g.name,
            container: s.id,
          });
        }
      }
    }
    p.adopt_ms += laps.next();
  }
  // Which containers exist: the function containers listed above (at N = 1,000 a second, unfiltered
  // List took ~200 ms of the start, issue #16); any other (a container made since, or one without the
  // function label) is asked about on its own, so none is taken for gone. Only the function
  // namespaces: the core namespace's attachments are the supervisor's to judge, and it may be creating
  // a service there now (network-reconcile-scope.test.ts).
  const removed = await d.network.reconcile(
    async (ns, id) =>
      Boolean(listed.get(ns)?.has(id)) || Boolean(await d.containerd.inNamespace(ns).containers.get(id)),
    namespaces,
  );
  for (const r of removed) d.log.info('reconciled network attachment', { attachment: r });
  p.network_ms = laps.next();
  d.log.info('reconciled functions', {
    namespaces: namespaces.length,
    ...p,
    total_ms: Math.round(performance.now() - t0),
  });
  return { adoptedReady: logReadiness(d, adopted, t0) };
}

/**
 * The function's containers that serve after an interrupted update is settled: its pending version
 * adopted when nothing else serves, else removed; an old version left beside the new removed.
 */
async function settle(
  d: ReconcileDeps,
  ns: string,
  g: FunctionContainers<ContainerRecord>,
  remove: (ns: string, id: string) => Promise<void>,
): Promise<ContainerRecord[]> {
  const adopt = g.serving.length === 0 && g.pending.length > 0;
  for (const p of adopt ? g.pending : []) {
    const labels = { ...p.labels };
    delete labels[PENDING_LABEL];
    await d.containerd.inNamespace(ns).containers.setLabels(p.id, labels);
    d.log.info('adopted the pending version of an interrupted update', {
      namespace: ns,
      function: g.name,
      container: p.id,
    });
  }
  // One loop for what goes: a pending version when something else serves, and any old version.
  const leftovers = [
    ...(adopt ? [] : g.pending.map((c) => ({ c, what: 'pending' }))),
    ...g.stale.map((c) => ({ c, what: 'old' })),
  ];
  for (const { c, what } of leftovers) {
    await remove(ns, c.id);
    d.log.info(`removed the ${what} version of an interrupted update`, {
      namespace: ns,
      function: g.name,
      container: c.id,
    });
  }
  return adopt ? g.pending : g.serving;
}

/** One line once every adopted replica answered its first probe, exited, or ran out of time. */
async function logReadiness(d: ReconcileDeps, adopted: [string, string][], t0: number): Promise<void> {
  const timeoutMs = d.readyTimeoutMs ?? 60_000;
  const outcomes = await Promise.all(adopted.map(([ns, id]) => d.readiness.waitReady(ns, id, timeoutMs)));
  const count = (o: ReadyOutcome) => outcomes.filter((x) => x === o).length;
  // Which ones did not answer (the first few): where to look next (issue #16: one of a thousand once).
  const late = adopted.filter((_, i) => outcomes[i] === 'timeout').map(([ns, id]) => `${ns}/${id}`);
  d.log.info('replicas ready after start', {
    adopted: adopted.length,
    ready: count('ready'),
    exited: count('exited'),
    not_ready: late.length,
    ...(late.length ? { not_ready_ids: late.slice(0, 10).join(',') } : {}),
    after_ms: Math.round(performance.now() - t0),
  });
}
