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
