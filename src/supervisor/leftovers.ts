import type { ServiceSpec } from './compose.js';
import { adoptable } from './adopt.js';
import { SERVICE_LABEL } from './service-container.js';
import type { ServiceContainerd, SupervisorDeps } from './supervisor-deps.js';

/**
 * Removes what a previous run left (after a crash): our containers, then attachments without
 * containers. A running container made from its service's spec is kept instead (adopt.ts); the names
 * of those are returned.
 */
export async function reconcileServices(
  d: Pick<SupervisorDeps, 'runtime' | 'network' | 'log' | 'namespace'>,
  c: ServiceContainerd,
  services: readonly ServiceSpec[],
): Promise<Set<string>> {
  const adopted = new Set<string>();
  const specs = new Map(services.map((s) => [s.name, s]));
  const leftovers = await c.containers.list(`labels."${SERVICE_LABEL}"`);
  for (const container of leftovers) {
    const spec = specs.get(container.id);
    const task = spec ? await c.tasks.get(container.id) : undefined;
    const ip = task ? await d.network.address(d.namespace, container.id) : undefined;
    if (adoptable(container, spec, task?.status, ip)) {
      adopted.add(container.id);
      d.log.info('adopted running container', { service: container.id, pid: task?.pid, ip });
      continue;
    }
    d.log.info('removing leftover container', { namespace: d.namespace, container: container.id });
    await d.runtime.remove(d.namespace, container.id, { keepLog: true, graceMs: 1000 });
  }
  for (const s of services)
    if (!adopted.has(s.name)) await d.runtime.remove(d.namespace, s.name, { keepLog: true, graceMs: 1000 });
  // Only the core namespace's: the provider (in this process or apart) may be creating functions.
  const removed = await d.network.reconcile(
    async (_ns, id) => Boolean(await c.containers.get(id)),
    [d.namespace],
  );
  for (const r of removed) d.log.info('reconciled network attachment', { attachment: r });
  return adopted;
}
