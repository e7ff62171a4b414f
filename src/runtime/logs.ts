import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A container's output: one file, `<logDir>/<namespace>/<id>.log` (rotated to `.log.1`), each line
 * `<RFC 3339 time with ns> <stdout|stderr> <text>`, written by this process's LogCollector from the
 * FIFOs the shim fills (log-collector.ts). Not the shim's own `file://`: containerd 1.6's shim sends
 * both streams to one shared writer that the first stream to end closes, and the other's last lines
 * were lost (2 runs in 20), and it records neither time nor stream. Not a `binary://` logger either:
 * that is one more process per container (~2 MB PSS each).
 */
export function logPath(logDir: string, namespace: string, id: string): string {
  return join(logDir, namespace, `${id}.log`);
}

export async function prepareLog(logDir: string, namespace: string): Promise<void> {
  await mkdir(join(logDir, namespace), { recursive: true, mode: 0o750 });
}

export async function removeLogs(logDir: string, namespace: string, id: string): Promise<void> {
  const p = logPath(logDir, namespace, id);
  await Promise.all([rm(p, { force: true }), rm(`${p}.1`, { force: true })]);
}

export interface LogLine {
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

export function parseLogLine(line: string): LogLine | undefined {
  const m = /^(\S+) (stdout|stderr) (.*)$/s.exec(line);
  return m ? { time: m[1] ?? '', stream: m[2] as LogLine['stream'], text: m[3] ?? '' } : undefined;
}
