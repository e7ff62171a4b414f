import type { WrkResult } from './soak-wrk.js';

export interface PhaseResult {
  kind: 'sync' | 'async';
  connections: number;
  seconds: number;
  result: WrkResult;
}

const ok = (kind: PhaseResult['kind'], status: string) =>
  kind === 'sync' ? status === '200' : status === '202';

function errors(p: PhaseResult): number {
  const bad = Object.entries(p.result.statuses).filter(([st]) => !ok(p.kind, st));
  return bad.reduce((s, [, n]) => s + n, 0) + Object.values(p.result.socket).reduce((s, n) => s + n, 0);
}

/** One row per wrk run: sync GET /function/NAME (200 expected) or async POST (202 expected). */
export function phaseTable(phases: PhaseResult[]): string {
  return [
    '| load | connections | seconds | requests | req/s | p50 ms | p99 ms | statuses | errors |',
    '|---|---|---|---|---|---|---|---|---|',
    ...phases.map((p) => {
      const statuses = Object.entries(p.result.statuses)
        .map(([st, n]) => `${st}: ${n}`)
        .join(', ');
      return `| ${p.kind} | ${p.connections} | ${p.seconds} | ${p.result.requests} | ${p.result.rps} | ${p.result.p50ms} | ${p.result.p99ms} | ${statuses || '-'} | ${errors(p)} |`;
    }),
  ].join('\n');
}

/** Every answer other than the expected one, and every socket error, summed over the phases. */
export function errorsByStatus(phases: PhaseResult[]): string {
  const all = new Map<string, number>();
  const add = (k: string, n: number) => n && all.set(k, (all.get(k) ?? 0) + n);
  for (const p of phases) {
    for (const [st, n] of Object.entries(p.result.statuses)) if (!ok(p.kind, st)) add(`${p.kind} ${st}`, n);
    for (const [kind, n] of Object.entries(p.result.socket)) add(`socket:${kind}`, n);
  }
  return [...all.entries()].map(([k, n]) => `${k}: ${n}`).join(', ');
}
