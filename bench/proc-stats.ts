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
