import { access } from 'node:fs/promises';
import { coreLogDir } from '../config/index.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { logPath, readLog, type LogLine } from '../runtime/index.js';

export interface ServiceLogOptions {
  stateDir: string;
  namespace: string;
  name: string;
  lines: number | undefined;
  since: Date | undefined;
  follow: boolean;
  signal?: AbortSignal;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`: a duration back from now ("10m", "1h30m", "2d", as faasd's `--since 10m`) or an RFC 3339
 * time. Names the flag and value when it is neither.
 */
export function parseSince(text: string, now: number): Date {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m?.[1] || !m[2]) break;
    total += Number(m[1]) * (UNITS[m[2]] ?? 0);
    at = re.lastIndex;
  }
  if (at > 0 && at === text.length) return new Date(now - total);
  const d = new Date(text);
  if (/^\d{4}-\d\d-\d\d/.test(text) && !Number.isNaN(d.getTime())) return d;
  throw new InvalidArgumentError(
    'since',
    `--since ${JSON.stringify(text)} is neither a duration (10m, 1h30m, 2d) nor an RFC 3339 time`,
  );
}

/** `--lines N`: a whole number. */
export function parseLines(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('lines', `--lines ${JSON.stringify(text)} must be a whole number`);
  return n;
}

/**
 * A compose service's output, from the file its logger writes (`<stateDir>/logs/<namespace>/<name>.log`),
 * through the same reader as the provider's /system/logs.
 */
export async function serviceLogs(o: ServiceLogOptions, onLine: (l: LogLine) => void): Promise<void> {
  const path = logPath(coreLogDir(o), o.namespace, o.name);
  const exists = async (p: string) =>
    access(p).then(
      () => true,
      () => false,
    );
  if (!(await exists(path)) && !(await exists(`${path}.1`))) throw new NotFoundError('service log', o.name);
  await readLog(
    path,
    {
      tail: o.lines,
      since: o.since,
      follow: o.follow,
      ...(o.signal ? { signal: o.signal } : {}),
    },
    onLine,
  );
}
