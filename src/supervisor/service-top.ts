import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { memoryUsageBytes } from '../runtime/index.js';
import { formatTable } from '../format/table.js';

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

/**
 * A container's CPU time so far in nanoseconds: cgroup v2 `cpu.stat` usage_usec, or v1
 * `cpuacct.usage`. Undefined when neither is there (no task, another cgroup layout).
 */
export async function cpuUsageNs(
  namespace: string,
  id: string,
  root = '/sys/fs/cgroup',
): Promise<number | undefined> {
  const v2 = await readFile(`${root}/${namespace}/${id}/cpu.stat`, 'utf8').catch(() => undefined);
  const usec = v2 && /^usage_usec (\d+)$/m.exec(v2)?.[1];
  if (usec) return Number(usec) * 1000;
  for (const dir of ['cpuacct', 'cpu,cpuacct']) {
    const v1 = await readFile(`${root}/${dir}/${namespace}/${id}/cpuacct.usage`, 'utf8').catch(
      () => undefined,
    );
    if (v1 !== undefined && /^\d+\s*$/.test(v1)) return Number(v1);
  }
  return undefined;
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
