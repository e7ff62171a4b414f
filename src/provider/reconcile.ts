import type { Containerd } from '../containerd/index.js';
import type { CniNetwork } from '../network/index.js';
import type { Logger } from '../log.js';
import { sweepCreateLeftovers } from '../runtime/index.js';
import type { FunctionHost } from './function-host.js';
import { PENDING_LABEL, groupFunctions, replicasOf } from './instances.js';

export interface ReconcileDeps {
  ctd: Containerd;
  host: FunctionHost;
  network: CniNetwork;
  namespaces: { list(): Promise<string[]> };
  log: Logger;
}

/**
 * After a provider restart or crash. Per function: an update that died half-way left a pending new
 * container (removed, or adopted when it is all there is) or an old version beside the new (removed);
 * a container without a network (a crash mid-deploy) cannot run and goes; the rest is started when it
 * should run, or probed when it runs. Then network attachments of vanished containers go.
 */
export async function reconcileFunctions(d: ReconcileDeps): Promise<void> {
  for (const ns of await d.namespaces.list()) {
    const c = d.ctd.inNamespace(ns);
    // A create killed half-way (a lease, a prepared snapshot, no container): nothing else creates yet.
    for (const r of await sweepCreateLeftovers(d.ctd, ns))
      d.log.info('removed what an interrupted create left', { namespace: ns, removed: r });
    // One Tasks.List and one store read for the namespace, not a lookup per container (issue #16).
    const view = await d.host.view(ns);
    for (const g of groupFunctions(await d.host.containers(ns)).values()) {
      let serving = g.serving;
      if (serving.length === 0 && g.pending.length > 0) {
        for (const p of g.pending) {
          const labels = { ...p.labels };
          delete labels[PENDING_LABEL];
          await c.containers.setLabels(p.id, labels);
          d.log.info('adopted the pending version of an interrupted update', {
            namespace: ns,
            function: g.name,
            container: p.id,
          });
        }
        serving = g.pending;
      } else {
        for (const p of g.pending) {
          await d.host.remove(ns, p.id, 0);
          d.log.info('removed the pending version of an interrupted update', {
            namespace: ns,
            function: g.name,
            container: p.id,
          });
        }
      }
      for (const s of g.stale) {
        await d.host.remove(ns, s.id, 0);
        d.log.info('removed the old version of an interrupted update', {
          namespace: ns,
          function: g.name,
          container: s.id,
        });
      }
      for (const s of serving) {
        if (!view.ips.has(s.id) && !(await d.network.store.find(ns, s.id))) {
          await d.host.remove(ns, s.id, 0);
          d.log.info('removed half-deployed function', { namespace: ns, function: g.name, container: s.id });
          continue;
        }
        const task = view.tasks.get(s.id);
        if (task) d.host.watchRunning(ns, s.id, task, view.ips.get(s.id));
        if (replicasOf(s) > 0 && task?.status !== 'RUNNING') {
          await d.host.start(ns, s.id);
          d.log.info('started function that should run', {
            namespace: ns,
            function: g.name,
            container: s.id,
          });
        }
      }
    }
  }
  // Which containers exist: one list per namespace, not a Get per attachment.
  const ids = new Map<string, Promise<Set<string>>>();
  const idsOf = (ns: string) => {
    let p = ids.get(ns);
    if (!p) {
      p = d.ctd
        .inNamespace(ns)
        .containers.list()
        .then((cs) => new Set(cs.map((c) => c.id)));
      ids.set(ns, p);
    }
    return p;
  };
  // A container made since the list is asked about on its own, so none is taken for gone.
  const removed = await d.network.reconcile(
    async (ns, id) => (await idsOf(ns)).has(id) || Boolean(await d.ctd.inNamespace(ns).containers.get(id)),
  );
  for (const r of removed) d.log.info('reconciled network attachment', { attachment: r });
}
