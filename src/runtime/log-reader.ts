import { open, readFile, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as delay } from 'node:timers/promises';
import { parseLogLine, type LogLine } from './logs.js';

/** What a follower has read from the log file, for tests and to show the read stays bounded. */
export interface FollowStats {
  bytesRead: number;
  /** True while it waits for the consumer to take what was written (e.g. a socket's full buffer). */
  waitingForDrain: boolean;
  /** True once the existing lines are sent and appends are being followed. */
  following: boolean;
}

export interface LogReadOptions {
  /** Only the last N lines of what is there now (0: none); all when undefined. */
  tail: number | undefined;
  since: Date | undefined;
  /** Keep reading appends (and follow rotation) until `signal` aborts. */
  follow: boolean;
  signal?: AbortSignal;
  /** How often the file is looked at for appends. */
  pollMs?: number;
  /** At most this much is read from the file at once while following. */
  chunkBytes?: number;
  stats?: FollowStats;
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
 * follow, the file is polled for appends and rotation until the signal aborts, one chunk at a time:
 * `onLine` may return a promise (a socket's drain), and no more is read until it settles, so a consumer
 * that does not read holds the reader, not the memory (issue #17 item 5). The provider's /system/logs
 * and `faasd service logs` both read through this.
 */
export async function readLog(
  path: string,
  o: LogReadOptions,
  onLine: (l: LogLine) => void | Promise<void>,
): Promise<void> {
  const stats = o.stats ?? { bytesRead: 0, waitingForDrain: false, following: false };
  const chunkBytes = o.chunkBytes ?? 64 * 1024;
  const stopped = () => o.signal?.aborted === true;
  let lines = (await readLines(path)).map(parseLogLine).filter((l): l is LogLine => !!l && keep(l, o.since));
  if (o.tail !== undefined) lines = o.tail === 0 ? [] : lines.slice(-o.tail);
  for (const l of lines) {
    if (stopped()) return;
    await onLine(l);
  }
  if (!o.follow) return;
  let st = await stat(path).catch(() => undefined);
  let offset = st?.size ?? 0;
  let ino = st?.ino;
  let partial = '';
  let decoder = new StringDecoder('utf8'); // a character split between two chunks is kept whole
  const buf = Buffer.alloc(chunkBytes);
  stats.following = true;
  while (!stopped()) {
    await delay(o.pollMs ?? 200, undefined, o.signal ? { signal: o.signal } : {}).catch(() => undefined);
    if (stopped()) return;
    st = await stat(path).catch(() => undefined);
    if (!st) continue;
    if (st.ino !== ino || st.size < offset) {
      ino = st.ino; // rotated: the new file is read from its start
      offset = 0;
      partial = '';
      decoder = new StringDecoder('utf8');
    }
    if (st.size === offset) continue;
    const fh = await open(path, 'r');
    try {
      // One chunk at a time, each handed on (and drained) before the next is read.
      while (!stopped() && offset < st.size) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(chunkBytes, st.size - offset), offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        stats.bytesRead += bytesRead;
        const parts = (partial + decoder.write(buf.subarray(0, bytesRead))).split('\n');
        partial = parts.pop() ?? '';
        // A line longer than a few chunks is cut rather than held whole.
        if (partial.length > 4 * chunkBytes) partial = '';
        for (const p of parts) {
          const l = parseLogLine(p);
          if (l && keep(l, o.since)) await onLine(l);
          if (stopped()) return;
        }
      }
    } finally {
      await fh.close();
    }
  }
}
