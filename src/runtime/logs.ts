import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seaAssetDir } from '../assets.js';

/**
 * A container's output: one file, `<logDir>/<namespace>/<id>.log` (rotated to `.log.1`), each line
 * `<RFC 3339 time with ns> <stdout|stderr> <text>`, written by bin/faasd-logger, which the shim starts
 * through a `binary://` URI. Not the shim's own `file://`: containerd 1.6's shim sends both streams to
 * one shared writer that the first stream to end closes, and the other's last lines were lost (2 runs
 * in 20), and it records neither time nor stream.
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

/**
 * The shim turns the query into arguments by walking a Go map (random order), each key followed by its
 * first value: one key, `?<dir>=<max bytes>`, is the only way to get a fixed `$1 $2`.
 */
export function loggerUri(dir: string, maxBytes = 10 * 1024 * 1024): string {
  const sea = seaAssetDir();
  const bin = sea
    ? join(sea, 'bin/faasd-logger')
    : fileURLToPath(new URL('./bin/faasd-logger', import.meta.url));
  return `binary://${bin}?${encodeURIComponent(dir)}=${maxBytes}`;
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
