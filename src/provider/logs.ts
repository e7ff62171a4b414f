import { open, readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as delay } from 'node:timers/promises';
import { InvalidArgumentError } from '../errors.js';
import { logPath, parseLogLine, type LogLine } from '../runtime/index.js';

export interface LogQuery {
  name: string;
  namespace: string;
  tail: number | undefined;
  since: Date | undefined;
  follow: boolean;
}

export function parseLogQuery(
  q: URLSearchParams,
  defaultNamespace: string,
): Omit<LogQuery, 'name' | 'namespace'> & { name: string; namespace: string } {
  const name = q.get('name') ?? '';
  const tailRaw = q.get('tail');
  const tail = tailRaw === null || tailRaw === '' || tailRaw === '-1' ? undefined : Number(tailRaw);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0))
    throw new InvalidArgumentError('tail', `tail ${JSON.stringify(tailRaw)} must be a whole number`);
  const sinceRaw = q.get('since');
  const since = sinceRaw ? new Date(sinceRaw) : undefined;
  if (since && Number.isNaN(since.getTime()))
    throw new InvalidArgumentError('since', `since ${JSON.stringify(sinceRaw)} is not an RFC 3339 time`);
  return {
    name,
    namespace: q.get('namespace') || defaultNamespace,
    tail,
    since,
    follow: q.get('follow') === 'true' || q.get('follow') === '1',
  };
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

/** What a follower has read from the log file, for tests and to show the read stays bounded. */
export interface FollowStats {
  bytesRead: number;
  /** True while it waits for the client to take what was written (the socket's buffer is full). */
  waitingForDrain: boolean;
  /** True once the existing lines are sent and appends are being followed. */
  following: boolean;
}

export interface FollowOptions {
  /** How often the file is looked at for appends. */
  pollMs?: number;
  /** At most this much is read from the file at once. */
  chunkBytes?: number;
  stats?: FollowStats;
}

/** Resolves when `out` can take more, or when it is gone (then `closed()` is true). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
  });
}

/**
 * Streams a function's log as ndjson ({name, namespace, instance, timestamp, text}). With follow, the
 * file is polled for appends (and rotation) until the client goes away.
 */
export async function streamLogs(res: ServerResponse, logDir: string, q: LogQuery): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-cache' });
  res.flushHeaders(); // a follower with nothing to read yet still gets its 200 at once
  await writeLog(res, logPath(logDir, q.namespace, q.name), q);
}

/**
 * Writes the log's lines to `out`, and with follow its appends until `out` closes. A write the stream
 * cannot take yet stops the reading until it drains: three followers that did not read grew the provider
 * from 118 to 948 MB in 12 s (issue #17 item 5), as everything read was queued in their sockets.
 */
export async function writeLog(
  out: Writable,
  path: string,
  q: LogQuery,
  o: FollowOptions = {},
): Promise<void> {
  const stats = o.stats ?? { bytesRead: 0, waitingForDrain: false, following: false };
  const chunkBytes = o.chunkBytes ?? 64 * 1024;
  let closed = false;
  out.once('close', () => (closed = true));
  const write = async (l: LogLine) => {
    const more = out.write(
      JSON.stringify({
        name: q.name,
        namespace: q.namespace,
        instance: q.name,
        timestamp: l.time,
        text: l.text,
      }) + '\n',
    );
    if (more || closed) return;
    stats.waitingForDrain = true;
    await drained(out);
    stats.waitingForDrain = false;
  };
  let lines = (await readLines(path)).map(parseLogLine).filter((l): l is LogLine => !!l && keep(l, q.since));
  if (q.tail !== undefined) lines = q.tail === 0 ? [] : lines.slice(-q.tail);
  for (const l of lines) {
    if (closed) return;
    await write(l);
  }
  if (!q.follow) {
    out.end();
    return;
  }
  let st = await stat(path).catch(() => undefined);
  let offset = st?.size ?? 0;
  let ino = st?.ino;
  let partial = '';
  let decoder = new StringDecoder('utf8'); // a character split between two chunks is kept whole
  const buf = Buffer.alloc(chunkBytes);
  stats.following = true;
  while (!closed) {
    await delay(o.pollMs ?? 200);
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
      // One chunk at a time, each written (and drained) before the next is read.
      while (!closed && offset < st.size) {
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
          if (l && keep(l, q.since)) await write(l);
          if (closed) return;
        }
      }
    } finally {
      await fh.close();
    }
  }
}
