// bench/scale's table: one row per figure, with the load average when it was taken (other engineers'
// work on the machine shows in the figures) and the goal from issue #13.
import { loadavg } from 'node:os';

export interface Row {
  bench: string;
  figure: string;
  goal: string;
  load: string;
  note: string;
}

export const loadNow = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

export function table(rows: Row[]): string {
  return [
    '| bench | figure | goal | load avg (1 5 15 min) | note |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.bench} | ${r.figure} | ${r.goal} | ${r.load} | ${r.note} |`),
  ].join('\n');
}

/** "min / median / max" of a list of figures. */
export function spread(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s[Math.floor(s.length / 2)];
  return s.length ? `${s[0]} / ${mid} / ${s[s.length - 1]}` : '-';
}
