// bench/density --only start (issue #16): deploys N functions once, measures the list, then restarts
// the daemon `restarts` times with them present and prints, for each start, the time until the gateway
// answered and until every function answered, with the daemon's own marks (startup-marks.ts) and the
// provider's reconcile phases (its `reconciled functions` and `replicas ready after start` lines).
import { appendFile } from 'node:fs/promises';
import type { TestStack } from '../test/helpers/stack.js';
import { parseStartupMarks } from '../src/daemon/startup-marks.js';
import { firstOk, inBatches } from './density-fns.js';
import { cpuMs, latency } from './density-measure.js';
import { timed } from './stats.js';

export interface StartRun {
  upMs: number;
  allMs: number;
  /** `faasd up`'s `stack is up` marks (ms since its process started). */
  marks: Record<string, number>;
  /** The provider's reconcile phases (ms). */
  reconcile: Record<string, number>;
  /** The provider's `replicas ready after start` fields. */
  readiness: Record<string, number>;
  /** The daemon's CPU over 10 s once every function answered (ms per second). */
  idleCpu: number;
}

/** The daemon's CPU time over `ms` of wall time, in ms per second. */
async function idleCpuOf(pid: number, ms: number): Promise<number> {
  const cpu0 = await cpuMs(pid);
  const [wall] = await timed(() => new Promise((r) => setTimeout(r, ms)));
  return ((await cpuMs(pid)) - cpu0) / (wall / 1000);
}

/** The `_ms=` (and plain number) fields of the last line of `output` that contains `marker`. */
export function fieldsOf(output: string, marker: string): Record<string, number> {
  const line = output
    .split('\n')
    .filter((l) => l.includes(marker))
    .at(-1);
  const out: Record<string, number> = {};
  for (const m of line?.matchAll(/(?:^|\s)(\w+)=(\d+)(?=\s|$)/g) ?? []) out[m[1] ?? ''] = Number(m[2]);
  return out;
}

/** One stop and start of `faasd up` with `names` deployed: until up, until all of them answer 200. */
export async function restartOnce(s: TestStack, names: string[]): Promise<StartRun> {
  await s.stop(s.up);
  let upMs = 0;
  const [allMs] = await timed(async () => {
    [upMs] = await timed(() => s.startUp());
    await inBatches(names, (name) => firstOk(s, name));
  }).catch(async (err: unknown) => {
    if (process.env.DENSITY_SAVE_LOG) await appendFile(process.env.DENSITY_SAVE_LOG, s.up?.output() ?? '');
    throw err;
  });
  // The readiness line and a few autoscaler and exit-sweep ticks (5 s each) fall in the next 10 s
  // (DENSITY_IDLE_MS: longer, to attach a profiler to the idle daemon).
  const idleCpu = await idleCpuOf(s.up?.proc.pid ?? 0, Number(process.env.DENSITY_IDLE_MS ?? 10_000));
  const out = s.up?.output() ?? '';
  // DENSITY_SAVE_LOG: keep the daemon's own log of each start (the bench prints only its last warnings).
  if (process.env.DENSITY_SAVE_LOG) await appendFile(process.env.DENSITY_SAVE_LOG, out);
  const stackLine = out
    .split('\n')
    .filter((l) => l.includes('stack is up'))
    .at(-1);
  return {
    upMs,
    allMs,
    marks: parseStartupMarks(stackLine ?? ''),
    reconcile: fieldsOf(out, 'reconciled functions'),
    readiness: fieldsOf(out, 'replicas ready after start'),
    idleCpu,
  };
}

const fmt = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

/** Lines for the report: the list's latency at N, then one line per start. */
export async function startOnly(s: TestStack, names: string[], restarts: number): Promise<string[]> {
  const n = names.length;
  const list = await latency(Math.min(50, 20 + n), () => `${s.gateway}/system/functions`, s.auth);
  // The provider's own API on loopback too: what of the list's time is the gateway's (its Prometheus query).
  const provider = `http://127.0.0.1:${s.env.FAASD_PROVIDER_PORT}/system/functions`;
  const direct = await latency(Math.min(50, 20 + n), () => provider, s.auth);
  const out = [
    `N = ${n}: GET /system/functions p50 ${list.p50.toFixed(1)} ms, p99 ${list.p99.toFixed(1)} ms (goal p50 <= 50 ms); ` +
      `from the provider itself p50 ${direct.p50.toFixed(1)} ms, p99 ${direct.p99.toFixed(1)} ms`,
  ];
  process.stderr.write(`${out[0]}\n`);
  for (let i = 0; i < restarts; i++) {
    const r = await restartOnce(s, names);
    const line =
      `start ${i + 1}: up ${Math.round(r.upMs)} ms, all ${n} answer ${Math.round(r.allMs)} ms (goal <= 5000), idle CPU ${Math.round(r.idleCpu)} ms/s | ` +
      `marks: ${fmt(r.marks)} | reconcile: ${fmt(r.reconcile)} | readiness: ${fmt(r.readiness)}`;
    process.stderr.write(`${line}\n`);
    out.push(line);
  }
  const after = await latency(Math.min(50, 20 + n), () => `${s.gateway}/system/functions`, s.auth);
  out.push(`after the starts: list p50 ${after.p50.toFixed(1)} ms, p99 ${after.p99.toFixed(1)} ms`);
  return out;
}
