import { open, readFile, stat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { parseLogLine, type LogLine } from './logs.js';

export interface LogReadOptions {
  /** Only the last N lines of what is there now (0: none); all when undefined. */
  tail: number | undefined;
  since: Date | undefined;
  /** Keep reading appends (and follow rotation) until `signal` aborts. */
  follow: boolean;
  signal?: AbortSignal;
  pollMs?: number;
}

async function readLines(path: string): Promise<string[]> {
  const parts = await Promise.all([
    readFile(`${path}.1`, 'utf8').catch(() => ''),
    readFile(path, 'utf8').catch(() => ''),
  ]);
  return parts.join('').split('\n').filter(Boolean);
}

function keep(line: LogLine, since: Date | undefined): boolean {
  return !since || new Date(line.time) >= since;
}

/**
 * Reads a container's log file (see logs.ts: `.log` and its rotated `.log.1`), line by line. With
 * follow, the file is polled for appends and rotation until the signal aborts. The provider's
 * /system/logs and `faasd service logs` both read through this.
 */
export async function readLog(path: string, o: LogReadOptions, onLine: (l: LogLine) => void): Promise<void> {
  let lines = (await readLines(path)).map(parseLogLine).filter((l): l is LogLine => !!l && keep(l, o.since));
  if (o.tail !== undefined) lines = o.tail === 0 ? [] : lines.slice(-o.tail);
  for (const l of lines) onLine(l);
  if (!o.follow) return;
  let st = await stat(path).catch(() => undefined);
  let offset = st?.size ?? 0;
  let ino = st?.ino;
  let partial = '';
  while (!o.signal?.aborted) {
    await delay(o.pollMs ?? 200, undefined, o.signal ? { signal: o.signal } : {}).catch(() => undefined);
    if (o.signal?.aborted) return;
    st = await stat(path).catch(() => undefined);
    if (!st) continue;
    if (st.ino !== ino || st.size < offset) {
      ino = st.ino; // rotated: the new file is read from its start
      offset = 0;
      partial = '';
    }
    if (st.size === offset) continue;
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(st.size - offset);
      await fh.read(buf, 0, buf.length, offset);
      offset = st.size;
      const parts = (partial + buf.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) {
        const l = parseLogLine(p);
        if (l && keep(l, o.since)) onLine(l);
      }
    } finally {
      await fh.close();
    }
  }
}
