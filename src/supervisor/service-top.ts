import { setTimeout as delay } from 'node:timers/promises';
import { cpuUsageMicros, memoryUsageBytes } from '../runtime/index.js';
import { formatTable } from '../format/index.js';

/** A container to measure: its containerd namespace and id (its cgroup is /<namespace>/<id>). */
export interface TopTarget {
  kind: 'service' | 'function';
  namespace: string;
  id: string;
}

export interface TopRow extends TopTarget {
  /** CPU in use over the sample, in cores (1 = one core busy); undefined without a cgroup. */
  cpuCores: number | undefined;
  memoryBytes: number | undefined;
}

/** A container's CPU time so far in nanoseconds (runtime's cgroup reader); undefined without one. */
export async function cpuUsageNs(
  namespace: string,
  id: string,
  root = '/sys/fs/cgroup',
): Promise<number | undefined> {
  const us = await cpuUsageMicros(namespace, id, root);
  return us === undefined ? undefined : us * 1000;
}

/** Samples CPU time twice, `intervalMs` apart, and memory once, for every target. */
export async function sampleTop(targets: TopTarget[], intervalMs: number, root?: string): Promise<TopRow[]> {
  const first = await Promise.all(targets.map((t) => cpuUsageNs(t.namespace, t.id, root)));
  const started = process.hrtime.bigint();
  await delay(intervalMs);
  const second = await Promise.all(targets.map((t) => cpuUsageNs(t.namespace, t.id, root)));
  const elapsedNs = Number(process.hrtime.bigint() - started);
  const memory = await Promise.all(targets.map((t) => memoryUsageBytes(t.namespace, t.id, root)));
  return targets.map((t, i) => {
    const a = first[i];
    const b = second[i];
    return {
      ...t,
      cpuCores:
        a !== undefined && b !== undefined && elapsedNs > 0 ? Math.max(0, b - a) / elapsedNs : undefined,
      memoryBytes: memory[i],
    };
  });
}

export function formatTopTable(rows: TopRow[]): string {
  return formatTable(
    ['KIND', 'NAMESPACE', 'NAME', 'CPU %', 'MEMORY'],
    rows.map((r) => [
      r.kind,
      r.namespace,
      r.id,
      r.cpuCores === undefined ? '-' : (r.cpuCores * 100).toFixed(1),
      r.memoryBytes === undefined ? '-' : `${(r.memoryBytes / 2 ** 20).toFixed(1)}Mi`,
    ]),
  );
}
