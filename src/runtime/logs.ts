import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LogPaths {
  stdout: string;
  stderr: string;
}

/**
 * Where a container's output goes: one file per stream, written by bin/faasd-logger, which the shim
 * starts through a `binary://` URI. Not the shim's own `file://`: containerd 1.6's shim sends both
 * streams to stdout's file through one shared writer that the first stream to end closes, and the
 * other stream's last lines are lost (measured here: 2 runs in 20).
 */
export function logPaths(logDir: string, namespace: string, id: string): LogPaths {
  const base = join(logDir, namespace, id);
  return { stdout: `${base}.stdout.log`, stderr: `${base}.stderr.log` };
}

export async function prepareLogs(logDir: string, namespace: string, id: string): Promise<LogPaths> {
  await mkdir(join(logDir, namespace), { recursive: true, mode: 0o750 });
  return logPaths(logDir, namespace, id);
}

export async function removeLogs(logDir: string, namespace: string, id: string): Promise<void> {
  const p = logPaths(logDir, namespace, id);
  await Promise.all([rm(p.stdout, { force: true }), rm(p.stderr, { force: true })]);
}

/** The shim passes the URI's query as arguments: `?<dir>` gives the logger its directory as $1. */
export function loggerUri(dir: string): string {
  const bin = fileURLToPath(new URL('./bin/faasd-logger', import.meta.url));
  return `binary://${bin}?${encodeURIComponent(dir)}`;
}
