// The stack benches: faasd up (cold, warm, SIGTERM), deploys (first 200, 20 concurrent), invocation
// throughput with wrk (bench/invoke.ts) for a compiled and a Node function, and the memory of every
// faasd-ts process (bench/memory.ts), idle and after the loads.
import { join } from 'node:path';
import { startContainerd, type TestContainerd } from '../test/helpers/containerd.js';
import { testStack, type TestStack } from '../test/helpers/stack.js';
import { pollUntil } from '../test/helpers/wait.js';
import { runFaasd } from '../test/helpers/faasd-process.js';
import { parseStartupMarks } from '../src/daemon/startup-marks.js';
import type { Containerd } from '../src/containerd/index.js';
import { packCompiledFunction } from './compiled-function.js';
import { benchAsync, benchInvoke, type FunctionUnderTest } from './invoke.js';
import { faasdProcesses, memoryOf, round1, type ProcMemory } from './memory.js';
import { packNodeFunction } from './node-function.js';
import { median, timed, type BenchResult } from './stats.js';

const NODE_IMAGE = 'bench.local/node-fn:1';
const COMPILED_IMAGE = 'bench.local/c-fn:1';

/** Every faasd-ts process of the stack and its memory now. */
async function snapshot(s: TestStack, core: Containerd): Promise<ProcMemory[]> {
  const hostPids = [s.providerProc?.proc.pid ?? 0, s.up?.proc.pid ?? 0];
  return memoryOf(await faasdProcesses(hostPids, core));
}

/** One line per process, `PSS / RSS` idle and after the loads, and the total PSS of them all. */
function memoryRows(idle: ProcMemory[], loaded: ProcMemory[]): BenchResult[] {
  const rows: BenchResult[] = idle.map((m) => {
    const after = loaded.find((l) => l.role === m.role);
    return {
      name: `${m.role}: PSS / RSS`,
      value: m.pssMb,
      unit: `/ ${m.rssMb} MB idle; ${after ? `${after.pssMb} / ${after.rssMb} MB` : 'gone'} after the loads`,
    };
  });
  const total = (ms: ProcMemory[]) => round1(ms.reduce((a, m) => a + m.pssMb, 0));
  rows.push({
    name: `all ${idle.length} faasd-ts processes: total PSS`,
    value: total(idle),
    unit: `MB idle; ${total(loaded)} MB after the loads`,
    reference: 'goal <= 80 MB idle (issue #12: ~235 MB)',
    note: idle.map((m) => `${m.role} pid ${m.pid}`).join('; '),
  });
  return rows;
}

async function deploy(s: TestStack, name: string, image = NODE_IMAGE): Promise<void> {
  const res = await fetch(`${s.gateway}/system/functions`, {
    method: 'POST',
    headers: { Authorization: s.auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ service: name, image }),
  });
  if (res.status !== 202) throw new Error(`deploy ${name}: ${res.status} ${await res.text()}`);
}

async function firstOk(url: string): Promise<void> {
  await pollUntil(
    `${url} to answer 200`,
    async () => ((await fetch(url)).status === 200 ? true : undefined),
    { timeoutMs: 60_000, intervalMs: 5 },
  );
}

async function remove(s: TestStack, name: string): Promise<void> {
  await fetch(`${s.gateway}/system/functions`, {
    method: 'DELETE',
    headers: { Authorization: s.auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ functionName: name }),
  });
}

async function functionIp(s: TestStack, name: string): Promise<string> {
  const { networkFromConfig } = await import('../src/network/index.js');
  const rec = await networkFromConfig(s.config).store.find(s.config.functionNamespace, name);
  if (!rec?.ip) throw new Error(`no address recorded for function ${name}`);
  return rec.ip;
}

interface UpTiming {
  /** Spawn -> the first 200 from the gateway's /healthz (what a user waiting on `faasd up` sees). */
  healthzMs: number;
  /** Spawn -> `stack is up` in its log (the core containers, NATS and Prometheus, running). */
  stackMs: number;
  /** The daemon's own milestones, ms since its process started (src/daemon/startup-marks.ts). */
  marks: Record<string, number>;
  /** The launcher's code cache at this start: hit, missing, stale, ... (src/launcher/code-cache.ts). */
  codeCache: string;
}

/**
 * Spawns `faasd up` as a user (or systemd) does and times what they see: no wait for its log before
 * polling /healthz (every 5 ms), unlike the test helper's startUp, which waits for `stack is up` first.
 */
async function upTimed(st: TestStack): Promise<UpTiming> {
  const started = performance.now();
  const compose = join(st.config.stateDir, 'docker-compose.yaml');
  const p = runFaasd(['up', '--compose', compose], st.env, { bundle: true });
  st.up = p;
  const early = p.exited.then((c) => {
    throw new Error(`faasd up exited (${c}): ${p.output().slice(-3000)}`);
  });
  early.catch(() => undefined);
  const poll = { timeoutMs: 120_000, intervalMs: 5, early };
  const healthz = `${st.gateway}/healthz`;
  // Each probe is bounded: a connection accepted but never answered would otherwise outlive the deadline.
  const probe = async () =>
    (await fetch(healthz, { signal: AbortSignal.timeout(2_000) })).ok ? true : undefined;
  await pollUntil('the gateway /healthz', probe, poll);
  const healthzMs = performance.now() - started;
  await pollUntil('stack is up', async () => (p.output().includes('stack is up') ? true : undefined), poll);
  const line =
    p
      .output()
      .split('\n')
      .find((l) => l.includes('stack is up')) ?? '';
  return {
    healthzMs,
    stackMs: performance.now() - started,
    marks: parseStartupMarks(line),
    codeCache: /\scode_cache=(\w+)/.exec(line)?.[1] ?? 'none',
  };
}

/** Warm starts per bench run: a start takes ~0.5 s, and the median of 5 rides out a busy machine better. */
const WARM_RUNS = 5;

/** Median per milestone across runs, in the order the daemon reached them. */
function medianMarks(runs: UpTiming[]): string {
  const steps = Object.keys(runs[0]?.marks ?? {});
  return steps.map((s) => `${s} ${Math.round(median(runs.map((r) => r.marks[s] ?? 0)))}`).join(' -> ');
}

/**
 * faasd up: cold (core images packed on first start), warm (median of WARM_RUNS), SIGTERM -> exit. Warm: the
 * previous `faasd up` was stopped with SIGTERM, which removes the core containers (as a restart of the
 * service does); containerd, the bridge and the images stay.
 */
export async function benchUp(st: TestStack): Promise<BenchResult[]> {
  const cold = await upTimed(st);
  const warm: UpTiming[] = [];
  const exits: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    const [exit] = await timed(() => st.stop(st.up));
    exits.push(exit);
    warm.push(await upTimed(st));
  }
  const runs = (pick: (u: UpTiming) => number) => warm.map((u) => Math.round(pick(u))).join(' ');
  return [
    {
      name: 'faasd up -> gateway /healthz, cold (images packed on first start)',
      value: Math.round(cold.healthzMs),
      unit: 'ms',
      note: `stack is up (core containers running) at ${Math.round(cold.stackMs)} ms; code cache ${cold.codeCache}`,
    },
    {
      name: `faasd up -> gateway /healthz, warm (median of ${WARM_RUNS})`,
      value: Math.round(median(warm.map((u) => u.healthzMs))),
      unit: 'ms',
      reference: 'goal <= 500 ms; upstream faasd 2050 ms',
      note:
        `spawn -> first 200 of GET /healthz polled every 5 ms, after a SIGTERM stop (core containers ` +
        `removed); runs (ms): ${runs((u) => u.healthzMs)}. In the daemon, ms since its process ` +
        `started (median): ${medianMarks(warm)}; code cache: ${warm.map((u) => u.codeCache).join(' ')}`,
    },
    {
      name: `faasd up -> stack is up, warm (median of ${WARM_RUNS})`,
      value: Math.round(median(warm.map((u) => u.stackMs))),
      unit: 'ms',
      note: `NATS and Prometheus re-created and started; runs (ms): ${runs((u) => u.stackMs)}`,
    },
    {
      name: 'faasd up SIGTERM -> exit (core services removed)',
      value: Math.round(median(exits)),
      unit: 'ms',
    },
  ];
}

/** Deploy -> first 200 (median of 5), and 20 concurrent deploys until all answer. */
async function benchDeploys(st: TestStack): Promise<BenchResult[]> {
  const firsts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [ms] = await timed(async () => {
      await deploy(st, `first${i}`);
      await firstOk(`${st.gateway}/function/first${i}`);
    });
    firsts.push(ms);
    await remove(st, `first${i}`);
  }
  const names = Array.from({ length: 20 }, (_, i) => `many${i}`);
  const [many] = await timed(() =>
    Promise.all(
      names.map(async (n) => {
        await deploy(st, n);
        await firstOk(`${st.gateway}/function/${n}`);
      }),
    ),
  );
  for (const n of names) await remove(st, n);
  return [
    {
      name: 'deploy -> first 200, Node function (median of 5)',
      value: Math.round(median(firsts)),
      unit: 'ms',
      reference: 'reference 410 ms',
    },
    {
      name: '20 concurrent deploys until all answer',
      value: Math.round(many),
      unit: 'ms',
      reference: 'reference 9600 ms',
    },
  ];
}

/** `invokeOnly`: the stack and the wrk throughput rows only (bench/run invoke), no deploy, async or memory rows. */
export async function benchStack(o: { invokeOnly?: boolean } = {}): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  let ctd: TestContainerd | undefined;
  let s: TestStack | undefined;
  try {
    ctd = await startContainerd('bench-stack');
    s = await testStack(ctd, 'bench-stack', { bundle: true });
    const st = s;
    const fnCtd = ctd.client.inNamespace(st.config.functionNamespace);
    await packNodeFunction(fnCtd, NODE_IMAGE);
    await packCompiledFunction(fnCtd, COMPILED_IMAGE);
    await st.startProvider();
    if (o.invokeOnly) await st.startUp();
    else out.push(...(await benchUp(st)));
    if (!o.invokeOnly) out.push(...(await benchDeploys(st)));

    const fns: FunctionUnderTest[] = [];
    for (const [label, name, image, goal] of [
      [
        'compiled (C, epoll)',
        'fn-c',
        COMPILED_IMAGE,
        'goal >= 15,000 req/s, p50 <= 1 ms (issue #12: 1,800-2,300)',
      ],
      ['Node http', 'fn-node', NODE_IMAGE, undefined],
    ] as const) {
      await deploy(st, name, image);
      await firstOk(`${st.gateway}/function/${name}`);
      fns.push({
        label,
        name,
        direct: `http://${await functionIp(st, name)}:8080/`,
        ...(goal ? { gatewayGoal: goal } : {}),
      });
    }

    const core = ctd.client.inNamespace(st.config.namespace);
    const idle = o.invokeOnly ? [] : await snapshot(st, core);
    out.push(...(await benchInvoke(st, fns)));
    if (!o.invokeOnly) {
      out.push(...(await benchAsync(st, 'fn-c')));
      out.push(...memoryRows(idle, await snapshot(st, core)));
    }
    for (const f of fns) await remove(st, f.name);
    await st.stop(st.up);
    await st.stop(st.providerProc);
    return out;
  } finally {
    await s?.cleanup();
    await ctd?.stop();
  }
}
