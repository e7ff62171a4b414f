import type { ServerResponse } from 'node:http';
import { InvalidArgumentError } from '../errors.js';
import { logPath, readLog, type LogLine } from '../runtime/index.js';

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
  const gone = new AbortController();
  res.on('close', () => gone.abort());
  await readLog(path, { tail: q.tail, since: q.since, follow: q.follow, signal: gone.signal }, write);
  res.end();
}
