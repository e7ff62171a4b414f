// bench/density: what N functions cost. Platform memory is the PSS of every process but the functions'
// own: containerd, its shims and log helpers, faasd-ts and the core services. Latencies are sequential
// requests (a fixed count, bounded by a timeout each) through the gateway on loopback.
import { readdir, readFile } from 'node:fs/promises';
import { freemem } from 'node:os';
import type { Containerd } from '../src/containerd/index.js';
import type { TestStack } from '../test/helpers/stack.js';
import { parseSmapsRollup } from './memory.js';
import { timed } from './stats.js';

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
}

/** `count` sequential requests; their p50 and p99 in ms. Any answer but 200 fails the bench. */
export async function latency(
  count: number,
  url: () => string,
  auth?: string,
): Promise<{ p50: number; p99: number }> {
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const u = url();
    const [t, status] = await timed(async () => {
      const res = await fetch(u, {
        headers: auth ? { Authorization: auth } : {},
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer();
      return res.status;
    });
    if (status !== 200) throw new Error(`${u} answered ${status}`);
    ms.push(t);
  }
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

interface Proc {
  pid: number;
  ppid: number;
  argv: string[];
}

async function processes(): Promise<Proc[]> {
  const out: Proc[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const raw = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    out.push({ pid: Number(name), ppid, argv: raw.split('\0').filter(Boolean) });
  }
  return out;
}

function below(all: Proc[], roots: Set<number>): Set<number> {
  const out = new Set(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (out.has(p.pid) || !out.has(p.ppid)) continue;
      out.add(p.pid);
      grew = true;
    }
  }
  return out;
}

export interface PlatformMemory {
  pssMb: number;
  processes: number;
  shims: number;
  loggers: number;
}

/**
 * The platform's PSS: our containerd and its shims (found by the socket address on their command line),
 * the log helpers below the shims, the faasd-ts daemon and everything below it, and the core services'
 * tasks; not the functions' own processes (the shims' other children).
 */
export async function platformMemory(
  s: TestStack,
  ctdAddress: string,
  core: Containerd,
): Promise<PlatformMemory> {
  const all = await processes();
  const ours = all.filter((p) => p.argv.some((a) => a.includes(ctdAddress)));
  const shims = ours.filter((p) => p.argv.some((a) => a.includes('containerd-shim')));
  const shimPids = new Set(shims.map((p) => p.pid));
  const loggers = all.filter((p) => shimPids.has(p.ppid) && p.argv.some((a) => a.includes('faasd-logger')));
  const coreTasks = new Set(
    (await core.tasks.list()).filter((t) => t.status === 'RUNNING').map((t) => t.pid),
  );
  const pids = new Set([
    ...ours.map((p) => p.pid),
    ...loggers.map((p) => p.pid),
    ...below(all, new Set([s.up?.proc.pid ?? 0])),
    ...below(all, coreTasks),
  ]);
  pids.delete(0);
  let kb = 0;
  for (const pid of pids) {
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => undefined);
    if (text) kb += parseSmapsRollup(text).pssKb;
  }
  return {
    pssMb: Math.round(kb / 102.4) / 10,
    processes: pids.size,
    shims: shims.length,
    loggers: loggers.length,
  };
}

/** The host's available memory (MemAvailable), in MB: what a next function could still use. */
export async function hostAvailableMb(): Promise<number> {
  const text = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const kb = Number(/^MemAvailable:\s+(\d+)/m.exec(text)?.[1] ?? NaN);
  return Math.round(Number.isNaN(kb) ? freemem() / 1048576 : kb / 1024);
}

/** CPU time (ms) the process has used so far, from /proc/PID/stat (utime + stime, in clock ticks of 10 ms). */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11] ?? 0) + Number(f[12] ?? 0)) * 10;
}
