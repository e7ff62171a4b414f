// bench/density: deploying, reaching and removing the bench's functions through the gateway, as
// faas-cli does (PUT, 404, POST), in bounded batches.
import type { TestStack } from '../test/helpers/stack.js';
import { pollUntil } from '../test/helpers/wait.js';
import { timed } from './stats.js';

export const IMAGE = 'bench.local/density-fn:1';
/** Deploys and polls at once, as the issue asks (and far below the fds and the agents' limits). */
export const BATCH = 50;

export const fnName = (i: number) => `d${i}`;

/** A refused deploy, with what the API said: the bench reports it and goes on. */
export class DeployError extends Error {
  constructor(
    readonly fn: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`deploy ${fn}: ${status} ${body.slice(0, 300)}`);
  }
}

async function call(s: TestStack, method: string, path: string, body?: unknown): Promise<[number, string]> {
  const res = await fetch(`${s.gateway}${path}`, {
    method,
    headers: { Authorization: s.auth, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(120_000),
  });
  return [res.status, await res.text()];
}

/** faas-cli deploy: PUT (an update), 404 for a new function, then POST; the POST's ms. */
export async function deployLikeFaasCli(s: TestStack, name: string, zero: boolean): Promise<number> {
  const body = {
    service: name,
    image: IMAGE,
    ...(zero
      ? { labels: { 'com.openfaas.scale.zero': 'true', 'com.openfaas.scale.zero-duration': '5m' } }
      : {}),
  };
  const [put, putText] = await call(s, 'PUT', '/system/functions', body);
  if (put !== 404) throw new DeployError(name, put, `PUT (not 404): ${putText}`);
  // A POST with no answer in time is a refused deploy to the bench (counted), not the end of the run.
  const [ms, [status, text]] = await timed(() =>
    call(s, 'POST', '/system/functions', body).catch((err: unknown): [number, string] => {
      if (err instanceof DOMException && err.name === 'TimeoutError') return [0, 'no answer in 120 s'];
      throw err;
    }),
  );
  if (status !== 202) throw new DeployError(name, status, text);
  return ms;
}

/** Polls the function through the gateway until it answers 200 (bounded). */
export async function firstOk(s: TestStack, name: string, timeoutMs = 120_000): Promise<void> {
  await pollUntil(
    `${name} to answer 200`,
    async () => {
      const res = await fetch(`${s.gateway}/function/${name}`, { signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      return res.status === 200 ? true : undefined;
    },
    { timeoutMs, intervalMs: 5 },
  );
}

/** Runs `fn` on each item, at most BATCH at a time. */
export async function inBatches<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += BATCH)
    out.push(...(await Promise.all(items.slice(i, i + BATCH).map(fn))));
  return out;
}

export async function removeFunction(s: TestStack, name: string): Promise<void> {
  await call(s, 'DELETE', '/system/functions', { functionName: name });
}

/**
 * The ms fields of the provider's last `deployed function` line for `name` (registry_ms, create_ms,
 * cni_ms, cni_<part>_ms, start_ms): the last, since the bench deploys `alone0` again at each N.
 */
export function deployPhases(output: string, name: string): Record<string, number> {
  const line = output
    .split('\n')
    .findLast((l) => l.includes('deployed function') && l.includes(` function=${name} `));
  const out: Record<string, number> = {};
  for (const m of line?.matchAll(/ (\w+)_ms=(\d+)/g) ?? []) out[m[1] ?? ''] = Number(m[2]);
  return out;
}

/** Per phase, the median of the runs that logged it (a phase missing from every run is left out). */
export function medianPhases(runs: Record<string, number>[]): Record<string, number> {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(
    keys.map((k) => {
      const v = runs.flatMap((r) => (r[k] === undefined ? [] : [r[k]])).sort((a, b) => a - b);
      return [k, v[Math.floor((v.length - 1) / 2)] ?? NaN];
    }),
  );
}

/** The split table's columns; every other phase the deploy line has goes to its last column. */
const COLUMNS = ['total', 'registry', 'create', 'cni', 'start'];

/**
 * One row of the split table: POST, the provider's whole call and main phases, create steps, CNI parts
 * and task start steps in brackets (`cni_bridge 41`, `start_task_create 60`), then every other step.
 */
export function splitRow(n: number, postMs: number, phases: Record<string, number>): string {
  const r = (k: string) => (phases[k] === undefined ? '-' : String(phases[k]));
  const partsOf = (prefix: string) =>
    Object.keys(phases)
      .filter((k) => k.startsWith(prefix))
      .map((k) => `${k.slice(prefix.length)} ${r(k)}`)
      .join(', ') || '-';
  const other = Object.keys(phases)
    .filter((k) => !COLUMNS.includes(k) && !['cni_', 'create_', 'start_'].some((p) => k.startsWith(p)))
    .map((k) => `${k} ${r(k)}`)
    .join(', ');
  return (
    `| ${n} | ${Math.round(postMs)} | ${r('total')} | ${r('registry')} | ${r('create')} (${partsOf('create_')}) | ${r('cni')} (${partsOf('cni_')}) | ` +
    `${r('start')} (${partsOf('start_')}) | ${other || '-'} |`
  );
}

/** The split table's head, for splitRow's rows. */
export const SPLIT_HEAD = [
  '| N | POST | in the provider | registry check | create (steps) | of which CNI (parts) | task start (steps) | other steps |',
  '|---|---|---|---|---|---|---|---|',
];

/** One deploy alone's POST ms and the provider's split of it. */
export interface AloneRun {
  postMs: number;
  split: Record<string, number>;
}

/** One deploy alone, `runs` times (alone0, alone1, ...: each removed after): POST ms and the split's medians. */
export async function aloneDeploys(
  s: TestStack,
  runs: number,
): Promise<{ postMs: number; split: Record<string, number>; runs: AloneRun[] }> {
  const out: AloneRun[] = [];
  for (let i = 0; i < runs; i++) {
    const name = `alone${i}`;
    const postMs = await deployLikeFaasCli(s, name, false);
    await firstOk(s, name);
    out.push({ postMs, split: deployPhases(s.up?.output() ?? '', name) });
    await removeFunction(s, name);
  }
  return { ...medianRun(out), runs: out };
}

/** The POSTs' median and the splits' medians of `runs`. */
export function medianRun(runs: AloneRun[]): AloneRun {
  const sorted = runs.map((r) => r.postMs).sort((a, b) => a - b);
  return {
    postMs: sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN,
    split: medianPhases(runs.map((r) => r.split)),
  };
}

/**
 * Runs whose create took a pooled netns (the deploy line's cni_pool_ms without an attach's laps after
 * it) and runs that attached their own: the two paths differ by ~30 ms, so a ratio compares like with like.
 */
export function byCniPath(runs: AloneRun[]): { pool: AloneRun[]; attach: AloneRun[] } {
  const pooled = (r: AloneRun) => r.split.cni_pool !== undefined && r.split.cni_store_netns === undefined;
  return { pool: runs.filter(pooled), attach: runs.filter((r) => !pooled(r)) };
}
