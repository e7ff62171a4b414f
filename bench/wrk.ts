// wrk (the Debian package) as the load generator for every throughput figure: it costs far less CPU
// than a Node client on the same two cores (docs/field-notes), so the figures are the server's.
import { join } from 'node:path';
import { execa } from 'execa';

export interface WrkOptions {
  /** Keep-alive connections in total (wrk -c). */
  connections: number;
  /** wrk threads (-t); at most `connections`. */
  threads: number;
  /** Run time in whole seconds (-d). */
  durationS: number;
  /** A request with no answer after this long counts as a timeout error (--timeout). */
  timeoutS?: number;
  /** A Lua script (-s), and the arguments it gets in init(args) after `--`. */
  script?: string;
  scriptArgs?: string[];
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p75ms: number;
  p90ms: number;
  p99ms: number;
  /** Answers with a status of 400 or more (wrk: "Non-2xx or 3xx responses"). */
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** non2xx + every socket error. */
  errors: number;
}

/** bench/lua/post.lua: POST with a small body, at most `perThread` answers per thread. */
export const POST_SCRIPT = join(import.meta.dirname, 'lua/post.lua');

/** The argv for one bounded run: time (-d), connections (-c), threads (-t), socket timeout. */
export function wrkArgs(url: string, o: WrkOptions): string[] {
  for (const [field, v] of [
    ['connections', o.connections],
    ['threads', o.threads],
    ['durationS', o.durationS],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`wrk ${field} ${v} is invalid: use a whole number >= 1`);
  }
  if (o.threads > o.connections)
    throw new RangeError(`wrk threads ${o.threads} is invalid: at most connections (${o.connections})`);
  const args = [
    `-t${o.threads}`,
    `-c${o.connections}`,
    `-d${o.durationS}s`,
    `--timeout`,
    `${o.timeoutS ?? 5}s`,
    '--latency',
  ];
  if (o.script) args.push('-s', o.script);
  args.push(url);
  if (o.scriptArgs?.length) args.push('--', ...o.scriptArgs);
  return args;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "181.00us", "1.65ms", "2.01s" -> milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  const unit = m?.[2] ? UNIT_MS[m[2]] : undefined;
  if (!m?.[1] || unit === undefined) throw new Error(`wrk: cannot read the duration ${JSON.stringify(text)}`);
  return Number((Number(m[1]) * unit).toFixed(3));
}

/** Reads the report `wrk --latency` prints. */
export function parseWrk(stdout: string): WrkResult {
  const total = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),/m.exec(stdout);
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(stdout);
  if (!total?.[1] || !total[2] || !total[3] || !rps?.[1])
    throw new Error(`wrk: no summary in its output: ${stdout.slice(0, 500)}`);
  const pct = (p: number): number => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(stdout);
    return m?.[1] ? parseDurationMs(m[1]) : 0;
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const socketErrors = {
    connect: Number(sock?.[1] ?? 0),
    read: Number(sock?.[2] ?? 0),
    write: Number(sock?.[3] ?? 0),
    timeout: Number(sock?.[4] ?? 0),
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  return {
    requests: Number(total[1]),
    seconds: parseDurationMs(`${total[2]}${total[3]}`) / 1000,
    rps: Math.round(Number(rps[1])),
    p50ms: pct(50),
    p75ms: pct(75),
    p90ms: pct(90),
    p99ms: pct(99),
    non2xx,
    socketErrors,
    errors: non2xx + socketErrors.connect + socketErrors.read + socketErrors.write + socketErrors.timeout,
  };
}

/** Runs wrk once against `url` (loopback or our own netns only) and returns its figures. */
export async function wrk(url: string, o: WrkOptions): Promise<WrkResult> {
  const res = await execa('wrk', wrkArgs(url, o), {
    reject: false,
    // wrk stops itself after -d; this bounds a wrk that hangs on a server that never answers.
    timeout: (o.durationS + (o.timeoutS ?? 5) + 10) * 1000,
  });
  if (res.exitCode !== 0 || res.timedOut)
    throw new Error(
      `wrk ${url} failed (exit ${res.exitCode}${res.timedOut ? ', timed out' : ''}): ${res.stderr}`,
    );
  return parseWrk(res.stdout);
}
