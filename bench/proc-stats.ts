import { readdir, readFile } from 'node:fs/promises';

/** One look at a process: resident and proportional memory (MB) and its open file descriptors. */
export interface ProcSample {
  rssMb: number;
  pssMb: number;
  fds: number;
}

/** Reads /proc/PID/smaps_rollup and /proc/PID/fd; undefined when the process is gone. */
export async function sampleProc(pid: number): Promise<ProcSample | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? '0');
    const fds = (await readdir(`/proc/${pid}/fd`)).length;
    const mb = (n: number) => Number((n / 1024).toFixed(1));
    return { rssMb: mb(kb('Rss')), pssMb: mb(kb('Pss')), fds };
  } catch {
    return undefined;
  }
}

/** Start, peak (the highest of each figure seen, not one moment's) and end figures of one daemon. */
export class ProcTrack {
  start: ProcSample | undefined;
  peak: ProcSample | undefined;
  end: ProcSample | undefined;

  constructor(
    readonly name: string,
    /** The PID now: a daemon restarted by its manager gets a new one. */
    private readonly pid: () => Promise<number | undefined>,
  ) {}

  async sample(when: 'start' | 'during' | 'end'): Promise<void> {
    const pid = await this.pid();
    const s = pid ? await sampleProc(pid) : undefined;
    if (!s) return;
    if (when === 'start') this.start = s;
    if (when === 'end') this.end = s;
    const p = this.peak;
    this.peak = p
      ? { rssMb: Math.max(p.rssMb, s.rssMb), pssMb: Math.max(p.pssMb, s.pssMb), fds: Math.max(p.fds, s.fds) }
      : s;
  }
}

function cell(t: ProcTrack, key: keyof ProcSample): string {
  const f = (s: ProcSample | undefined) => (s ? String(s[key]) : '-');
  const growth = t.start && t.end ? t.end[key] - t.start[key] : undefined;
  const g = growth === undefined ? '' : ` (${growth >= 0 ? '+' : ''}${Number(growth.toFixed(1))})`;
  return `${f(t.start)} / ${f(t.peak)} / ${f(t.end)}${g}`;
}

/** A table: per daemon, start / peak / end of RSS, PSS and fds, with end minus start in brackets. */
export function procTable(tracks: ProcTrack[]): string {
  return [
    '| daemon | RSS MB start / peak / end (growth) | PSS MB start / peak / end (growth) | open fds start / peak / end (growth) |',
    '|---|---|---|---|',
    ...tracks.map((t) => `| ${t.name} | ${cell(t, 'rssMb')} | ${cell(t, 'pssMb')} | ${cell(t, 'fds')} |`),
  ].join('\n');
}

/** CPU time a process (or one of its threads) has used so far, from /proc/PID[/task/TID]/stat. */
export interface CpuTime {
  userMs: number;
  systemMs: number;
}

/**
 * Linux reports utime and stime in USER_HZ ticks, which is 100 on every architecture Node runs on
 * (sysconf(_SC_CLK_TCK); fixed by the kernel's user-space ABI, whatever CONFIG_HZ is).
 */
const TICK_MS = 10;

/** utime and stime of a /proc stat line; the command name in brackets may hold spaces and ')'. */
export function parseProcStat(text: string): CpuTime {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5); `fields` starts at field 3 (state).
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`cannot read utime/stime from ${JSON.stringify(text.slice(0, 200))}`);
  return { userMs: utime * TICK_MS, systemMs: stime * TICK_MS };
}

/** The process's CPU time (all threads), or with `tid` one thread's (the main thread: tid = pid). */
export async function cpuTime(pid: number, tid?: number): Promise<CpuTime> {
  const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  return parseProcStat(await readFile(path, 'utf8'));
}

/** CPU a daemon spent per request over one load run: the figure that shifts least with the machine's load. */
export interface CpuPerRequest {
  /** All threads (main, libuv pool, V8's GC helpers) per request, µs. */
  processUs: number;
  /** The main thread alone (the event loop: the limit), per request, µs. */
  mainUs: number;
  /** Of the main thread's: kernel time per request, µs. */
  mainSystemUs: number;
}

/** Runs `load` (which answers how many requests it made) and divides the daemon's CPU time by them. */
export async function cpuPerRequest<T extends { requests: number }>(
  pid: number,
  load: () => Promise<T>,
): Promise<[T, CpuPerRequest]> {
  const [p0, m0] = await Promise.all([cpuTime(pid), cpuTime(pid, pid)]);
  const result = await load();
  const [p1, m1] = await Promise.all([cpuTime(pid), cpuTime(pid, pid)]);
  const per = (ms: number) => (result.requests ? Number(((ms * 1000) / result.requests).toFixed(1)) : 0);
  const total = (a: CpuTime, b: CpuTime) => b.userMs + b.systemMs - a.userMs - a.systemMs;
  return [
    result,
    {
      processUs: per(total(p0, p1)),
      mainUs: per(total(m0, m1)),
      mainSystemUs: per(m1.systemMs - m0.systemMs),
    },
  ];
}
