// Memory of every faasd-ts process, as PSS (what each costs, shared pages divided among their users)
// and RSS. The processes are found by what they are, not by today's layout: the host daemons by the pids
// the bench started (and any faasd-ts process below them), the core services by their containerd task's
// pid when that process runs faasd-ts. A single daemon, or a gateway on the host, is found the same way.
import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Containerd } from '../src/containerd/index.js';

export interface FaasdProc {
  /** What it is and where it runs, e.g. `faasd provider (host)`, `faasd gateway (core container)`. */
  role: string;
  pid: number;
}

export interface ProcMemory extends FaasdProc {
  pssMb: number;
  rssMb: number;
}

/** Pss and Rss (kB) from /proc/PID/smaps_rollup. */
export function parseSmapsRollup(text: string): { pssKb: number; rssKb: number } {
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  const out = { pssKb: kb('Pss'), rssKb: kb('Rss') };
  if (Number.isNaN(out.pssKb) || Number.isNaN(out.rssKb))
    throw new Error(`smaps_rollup without Pss/Rss: ${text.slice(0, 200)}`);
  return out;
}

const FAASD_PROGRAM = /^(faasd|faasd\.mjs|faasd-linux-[a-z0-9]+)$/;

/**
 * The index in argv of faasd-ts's own program: the single-file executable (`faasd-linux-amd64`) or the
 * image's `/usr/bin/faasd` as argv[0], or a script node runs: the bundle (`node … faasd.mjs`), the image's
 * `/usr/bin/faasd`, the sources (`node --import tsx src/cli/main.ts`). -1 for anything else (nats-server,
 * prometheus, a function), even when one of its arguments names a faasd path.
 */
export function faasdProgramIndex(argv: string[]): number {
  const isFaasd = (a: string) =>
    FAASD_PROGRAM.test(basename(a)) || /(^|\/)(src|dist)\/cli\/main\.(ts|js)$/.test(a);
  if (argv[0] !== undefined && isFaasd(argv[0])) return 0;
  if (basename(argv[0] ?? '') !== 'node') return -1;
  return argv.findIndex((a, i) => i > 0 && isFaasd(a));
}

/** `provider`, `up`, `gateway`…: the subcommand after faasd-ts's program; undefined if not faasd-ts. */
export function faasdSubcommand(argv: string[]): string | undefined {
  const i = faasdProgramIndex(argv);
  if (i < 0) return undefined;
  return argv.slice(i + 1).find((a) => !a.startsWith('-')) ?? 'faasd';
}

async function cmdline(pid: number): Promise<string[]> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw.split('\0').filter(Boolean);
}

/** Every pid below `roots` (children, grandchildren…), from /proc/PID/stat's ppid field. */
async function descendants(roots: number[]): Promise<number[]> {
  const parent = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid …": comm may hold spaces and parens, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parent.set(Number(name), ppid);
  }
  const below = new Set<number>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (below.has(pid) || !(roots.includes(ppid) || below.has(ppid))) continue;
      below.add(pid);
      grew = true;
    }
  }
  return [...below];
}

/** The faasd-ts processes: host daemons (the given pids, and faasd-ts below them) and core tasks. */
export async function faasdProcesses(hostPids: number[], core: Containerd): Promise<FaasdProc[]> {
  const found: FaasdProc[] = [];
  const seen = new Set<number>();
  const add = async (pid: number, where: string, name?: string) => {
    const sub = faasdSubcommand(await cmdline(pid));
    if (seen.has(pid) || sub === undefined) return;
    seen.add(pid);
    const what = sub === 'faasd' ? 'faasd' : `faasd ${sub}`;
    found.push({ role: `${name && name !== sub ? `${name}: ` : ''}${what} (${where})`, pid });
  };
  const live = hostPids.filter((p) => p > 0);
  for (const pid of [...live, ...(await descendants(live))]) await add(pid, 'host');
  for (const t of await core.tasks.list()) {
    if (t.status === 'RUNNING') await add(t.pid, 'core container', t.containerId);
  }
  return found;
}

export async function memoryOf(procs: FaasdProc[]): Promise<ProcMemory[]> {
  const out: ProcMemory[] = [];
  for (const p of procs) {
    const text = await readFile(`/proc/${p.pid}/smaps_rollup`, 'utf8').catch(() => undefined);
    if (text === undefined) continue; // it exited in between
    const m = parseSmapsRollup(text);
    out.push({ ...p, pssMb: round1(m.pssKb / 1024), rssMb: round1(m.rssKb / 1024) });
  }
  return out;
}

export function round1(n: number): number {
  return Number(n.toFixed(1));
}
