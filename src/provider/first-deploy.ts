import type { CniNetwork } from '../network/index.js';
import { freeSlot, instanceLabels } from './instances.js';
import { startInstance, type RolloutDeps } from './rollout.js';
import type { StoredDeployment } from './function-records.js';

export interface FirstDeployDeps extends RolloutDeps {
  network: Pick<CniNetwork, 'takeAttachSplit'>;
}

/**
 * A first deploy's containers: `replicas` of NAME, NAME.1, ... (in slots not `taken`) created and
 * started at once, without waiting for ready (invocations wait). Any failure removes those that
 * started. `timing` gets where the first replica's time went (create, CNI, task start), for the
 * deploy's log line.
 */
export async function startFirstReplicas(
  d: FirstDeployDeps,
  dep: StoredDeployment,
  replicas: number,
  taken: Set<string>,
  timing: Record<string, number>,
): Promise<void> {
  const ns = dep.namespace;
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
