import { LEAK_KINDS, type LeakKind } from './chaos-leaks.js';
import { leakTotal, type SettleResult } from './chaos-settle.js';
import type { OpTally } from './chaos-round.js';

export interface RoundRow {
  label: string;
  kills: string[];
  tally: OpTally;
  settle: SettleResult;
}

const SHORT: Record<LeakKind, string> = {
  netns: 'netns',
  ipam: 'ipam',
  hostLocal: 'h-local',
  natChains: 'nat',
  forward: 'fwd',
  dnat: 'dnat',
  containers: 'ctrs',
  tasks: 'tasks',
  snapshots: 'snaps',
  leases: 'leases',
  fifos: 'fifos',
};

const HEAD = [
  'round',
  'kills',
  'ops',
  'op errs',
  'answer',
  'lost',
  ...LEAK_KINDS.map((k) => SHORT[k]),
  'leaked',
];

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

function errors(t: OpTally): number {
  return [...t.failures.values()].reduce((s, n) => s + n, 0);
}

/**
 * One line per round (leaks as counted after that round's settle), and a total: kills, operations and
 * answers summed over the rounds, leaks as they stand at the end (they persist from round to round).
 */
export function chaosTable(rows: RoundRow[]): string {
  const lines = [row(HEAD), row(HEAD.map(() => '---'))];
  for (const r of rows) {
    const s = r.settle;
    lines.push(
      row([
        r.label,
        r.kills.join(' ') || '-',
        r.tally.ops,
        errors(r.tally),
        `${s.answering}/${s.expected}`,
        s.lost.length,
        ...LEAK_KINDS.map((k) => s.leaks.counts[k]),
        leakTotal(s.leaks),
      ]),
    );
  }
  const last = rows.at(-1)?.settle;
  if (last) {
    const sum = (f: (r: RoundRow) => number) => rows.reduce((s, r) => s + f(r), 0);
    const answering = sum((r) => r.settle.answering);
    const expected = sum((r) => r.settle.expected);
    lines.push(
      row([
        '**total**',
        sum((r) => r.kills.length),
        sum((r) => r.tally.ops),
        sum((r) => errors(r.tally)),
        `${answering}/${expected} (${expected ? ((100 * answering) / expected).toFixed(1) : '100.0'}%)`,
        sum((r) => r.settle.lost.length),
        ...LEAK_KINDS.map((k) => last.leaks.counts[k]),
        leakTotal(last.leaks),
      ]),
    );
  }
  return lines.join('\n');
}

/** The operations that did not get a 2xx, summed over the rounds, e.g. `update 0: 3, invoke 502: 1`. */
export function failureSummary(rows: RoundRow[]): string {
  const all = new Map<string, number>();
  for (const r of rows) for (const [k, n] of r.tally.failures) all.set(k, (all.get(k) ?? 0) + n);
  return [...all.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ');
}
