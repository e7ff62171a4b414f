import { open, readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
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

/**
 * Streams a function's log as ndjson ({name, namespace, instance, timestamp, text}). With follow, the
 * file is polled for appends (and rotation) until the client goes away.
 */
export async function streamLogs(res: ServerResponse, logDir: string, q: LogQuery): Promise<void> {
  const path = logPath(logDir, q.namespace, q.name);
  const write = (l: LogLine) =>
    res.write(
      JSON.stringify({
        name: q.name,
        namespace: q.namespace,
        instance: q.name,
        timestamp: l.time,
        text: l.text,
      }) + '\n',
    );
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-cache' });
  res.flushHeaders(); // a follower with nothing to read yet still gets its 200 at once
  let lines = (await readLines(path)).map(parseLogLine).filter((l): l is LogLine => !!l && keep(l, q.since));
  if (q.tail !== undefined) lines = q.tail === 0 ? [] : lines.slice(-q.tail);
  for (const l of lines) write(l);
  if (!q.follow) {
    res.end();
    return;
  }
  let closed = false;
  res.on('close', () => (closed = true));
  let st = await stat(path).catch(() => undefined);
  let offset = st?.size ?? 0;
  let ino = st?.ino;
  let partial = '';
  while (!closed) {
    await delay(200);
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
      const text = partial + buf.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) {
        const l = parseLogLine(p);
        if (l && keep(l, q.since)) write(l);
      }
    } finally {
      await fh.close();
    }
  }
}
