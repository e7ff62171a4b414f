import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Where a container's stdout and stderr go: one file, appended by the shim through a `file://` URI. */
export function logPath(logDir: string, namespace: string, id: string): string {
  return join(logDir, namespace, `${id}.log`);
}

export async function prepareLog(logDir: string, namespace: string, id: string): Promise<string> {
  await mkdir(join(logDir, namespace), { recursive: true, mode: 0o750 });
  return logPath(logDir, namespace, id);
}
