import type { CniNetwork } from '../network/index.js';
import { Laps } from '../runtime/index.js';
import { freeSlot, instanceLabels, slotsFilter } from './instances.js';
import { startInstance, type RolloutDeps } from './rollout.js';
import type { StoredDeployment } from './function-records.js';

export interface FirstDeployDeps extends RolloutDeps {
  network: Pick<CniNetwork, 'takeAttachSplit'>;
}

/**
 * A first deploy's containers: `replicas` of NAME, NAME.1, ... created and started at once, without
 * waiting for ready (invocations wait). Any failure removes those that started. `timing` gets where the
 * first replica's time went (create, CNI, task start), for the deploy's log line.
 */
export async function startFirstReplicas(
  d: FirstDeployDeps,
  dep: StoredDeployment,
  replicas: number,
  timing: Record<string, number>,
): Promise<void> {
  const ns = dep.namespace;
  const laps = new Laps(timing);
  // Only the slots in use: a List of NAME and NAME.k, not of every container in the namespace.
  const taken = new Set(
    (await d.ctd.inNamespace(ns).containers.list(slotsFilter(dep.service))).map((c) => c.id),
  );
  laps.lap('slots');
  const ids = Array.from({ length: replicas }, () => {
    const id = freeSlot(dep.service, taken);
    taken.add(id);
    return id;
  });
  const started = await Promise.allSettled(
    ids.map((id) =>
      startInstance(d, dep, { id, labels: instanceLabels(dep.service, replicas, 1, false) }, replicas, {
        waitReady: false,
        detail: '',
        ...(id === dep.service ? { timing } : {}),
      }),
    ),
  );
  // The attach's total and its parts (store, netns, lo, each plugin, ...) as cni_<part>_ms.
  const cni = d.network.takeAttachSplit(ns, dep.service);
  if (cni) {
    timing.cni_ms = cni.total;
    for (const [part, ms] of Object.entries(cni.laps)) timing[`cni_${part}_ms`] = ms;
  }
  const failed = started.find((r) => r.status === 'rejected');
  if (!failed) return;
  for (const [i, r] of started.entries())
    if (r.status === 'fulfilled') await d.host.remove(ns, ids[i] ?? '', 0).catch(() => undefined);
  throw failed.reason;
}
