import { readFile } from 'node:fs/promises';

/**
 * A running container's memory use from its cgroup (the spec puts it at /<namespace>/<id>), under
 * cgroup v2 or v1; undefined when neither file is there.
 */
export async function memoryUsageBytes(
  namespace: string,
  id: string,
  root = '/sys/fs/cgroup',
): Promise<number | undefined> {
  for (const file of [
    `${root}/${namespace}/${id}/memory.current`,
    `${root}/memory/${namespace}/${id}/memory.usage_in_bytes`,
  ]) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined && /^\d+\s*$/.test(text)) return Number(text);
  }
  return undefined;
}

/**
 * A container's CPU time used so far, in microseconds, from its cgroup (v2 cpu.stat usage_usec, or v1
 * cpuacct.usage in ns); undefined when neither is there. The autoscaler's `cpu` type takes deltas.
 */
export async function cpuUsageMicros(
  namespace: string,
  id: string,
  root = '/sys/fs/cgroup',
): Promise<number | undefined> {
  const v2 = await readFile(`${root}/${namespace}/${id}/cpu.stat`, 'utf8').catch(() => undefined);
  const usec = v2 && /^usage_usec (\d+)$/m.exec(v2)?.[1];
  if (usec) return Number(usec);
  // cgroup v1 mounts the controller as cpuacct or as cpu,cpuacct.
  for (const dir of ['cpuacct', 'cpu,cpuacct']) {
    const v1 = await readFile(`${root}/${dir}/${namespace}/${id}/cpuacct.usage`, 'utf8').catch(
      () => undefined,
    );
    if (v1 !== undefined && /^\d+\s*$/.test(v1)) return Math.floor(Number(v1) / 1000);
  }
  return undefined;
}
