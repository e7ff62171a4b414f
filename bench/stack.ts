// The stack benches: faasd up (cold, warm, SIGTERM), deploys (first 200, 20 concurrent), invocation
// throughput with wrk (bench/invoke.ts) for a compiled and a Node function, and the memory of every
// faasd-ts process (bench/memory.ts), idle and after the loads.
import { readFile } from 'node:fs/promises';
import { startContainerd, type TestContainerd } from '../test/helpers/containerd.js';
import { testStack, type TestStack } from '../test/helpers/stack.js';
import { pollUntil } from '../test/helpers/wait.js';
import type { Containerd } from '../src/containerd/index.js';
import { packCompiledFunction } from './compiled-function.js';
import { benchAsync, benchInvoke, type FunctionUnderTest } from './invoke.js';
import { faasdProcesses, memoryOf, round1, type ProcMemory } from './memory.js';
import { packNodeFunction } from './node-function.js';
import { median, timed, type BenchResult } from './stats.js';

const NODE_IMAGE = 'bench.local/node-fn:1';
const COMPILED_IMAGE = 'bench.local/c-fn:1';

/** Mean proportional set size of the running faasd-logger processes (one per container). */
async function loggerPssMb(): Promise<number> {
  const { execa } = await import('execa');
  const pids = (await execa('pgrep', ['-f', 'faasd-logger'], { reject: false })).stdout
    .split('\n')
    .filter(Boolean);
  let total = 0;
  for (const pid of pids) {
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    total += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? '0');
  }
  return pids.length ? Number((total / pids.length / 1024).toFixed(1)) : 0;
}

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

/** faasd up: cold (core images packed on first start), warm (median of 3), SIGTERM -> exit. */
async function benchUp(st: TestStack): Promise<BenchResult[]> {
  const [cold] = await timed(() => st.startUp());
  const warm: number[] = [];
  const exits: number[] = [];
  for (let i = 0; i < 3; i++) {
    const [exit] = await timed(() => st.stop(st.up));
    exits.push(exit);
    const [w] = await timed(() => st.startUp());
    warm.push(w);
  }
  return [
    {
      name: 'faasd up -> gateway /healthz, cold (images packed on first start)',
      value: Math.round(cold),
      unit: 'ms',
    },
    {
      name: 'faasd up -> gateway /healthz, warm (median of 3)',
      value: Math.round(median(warm)),
      unit: 'ms',
      reference: 'goal <= 500 ms; upstream faasd 2050 ms',
      note: `runs (ms): ${warm.map(Math.round).join(' ')}`,
    },
    { name: 'faasd up SIGTERM -> exit (4 services removed)', value: Math.round(median(exits)), unit: 'ms' },
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
      out.push({
        name: 'log collector per container (PSS)',
        value: await loggerPssMb(),
        unit: 'MB',
        reference: 'reference 17.6 MB RSS',
      });
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
