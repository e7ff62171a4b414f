// bench/density (issue #16): deploys N functions (the compiled test function, USER app) in batches of
// 50 and prints, for each N: deploy time and per-deploy latency, GET /system/functions p50/p99, invoke
// of a random function, platform PSS and its growth per function, the daemon's start with N functions
// present until all answer, the host's available memory; first, deploy -> first 200 at N = 1 with its
// split. Root only. It removes what it made (its own containerd, state dir, bridge and netns).
import { appendFile } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { startContainerd, type TestContainerd } from '../test/helpers/containerd.js';
import { testStack, type TestStack } from '../test/helpers/stack.js';
import { packCompiledFunction } from './compiled-function.js';
import {
  BATCH,
  DeployError,
  aloneDeploys,
  deployLikeFaasCli,
  deployPhases,
  firstOk,
  fnName,
  IMAGE,
  inBatches,
  removeFunction,
  splitRow,
  SPLIT_HEAD,
} from './density-fns.js';
import { startOnly } from './density-start.js';
import { deploysOnly } from './density-deploy.js';
import { cpuMs, hostAvailableMb, latency, platformMemory, type PlatformMemory } from './density-measure.js';
import { median, timed } from './stats.js';

interface Options {
  levels: number[];
  /** The share of functions deployed with com.openfaas.scale.zero=true (5 m idle). */
  zero: number;
  /**
   * `start`: deploy the largest N once, then only the list and `restarts` daemon starts (density-start.ts).
   * `deploy`: at each N only the batch and 5 deploys alone with their split (issue #16's 1.5x goal).
   */
  only: 'start' | 'deploy' | undefined;
  restarts: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { levels: [1, 100, 500, 1000], zero: 0, only: undefined, restarts: 3 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? '';
    if (argv[i] === '--n') {
      o.levels = v.split(',').map(Number);
      if (!o.levels.every((n) => Number.isInteger(n) && n >= 1 && n <= 1000))
        throw new Error(`--n ${v}: give counts from 1 to 1000, e.g. 1,100,500,1000`);
      o.levels.sort((a, b) => a - b);
      i++;
    } else if (argv[i] === '--zero') {
      o.zero = Number(v);
      if (!(o.zero >= 0 && o.zero <= 1)) throw new Error(`--zero ${v}: give a share from 0 to 1`);
      i++;
    } else if (argv[i] === '--only') {
      if (v !== 'start' && v !== 'deploy') throw new Error(`--only ${v}: give start or deploy`);
      o.only = v;
      i++;
    } else if (argv[i] === '--restarts') {
      o.restarts = Number(v);
      if (!(Number.isInteger(o.restarts) && o.restarts >= 1 && o.restarts <= 10))
        throw new Error(`--restarts ${v}: give 1 to 10`);
      i++;
    } else
      throw new Error(
        `unknown argument ${argv[i]} (use --n 1,100,500,1000, --zero 0.5, --only start --restarts 3, --only deploy)`,
      );
  }
  return o;
}

/** Deploy -> first 200 as faas-cli does it, median of `runs`, with the provider's split. */
async function firstDeploys(s: TestStack, runs: number): Promise<string[]> {
  const rows: { total: number; post: number; accept: number; phases: Record<string, number> }[] = [];
  for (let i = 0; i < runs; i++) {
    const name = `first${i}`;
    const t0 = performance.now();
    await deployLikeFaasCli(s, name, false);
    const posted = performance.now();
    await firstOk(s, name);
    const done = performance.now();
    rows.push({
      total: done - t0,
      post: posted - t0,
      accept: done - posted,
      phases: deployPhases(s.up?.output() ?? '', name),
    });
    await removeFunction(s, name);
  }
  // The daemon restarts at each N: keep what it said during these deploys (DENSITY_SAVE_LOG).
  if (process.env.DENSITY_SAVE_LOG) await appendFile(process.env.DENSITY_SAVE_LOG, s.up?.output() ?? '');
  const med = (f: (r: (typeof rows)[number]) => number | undefined) =>
    Math.round(median(rows.map((r) => f(r) ?? NaN)));
  return [
    `deploy -> first 200 (PUT, 404, POST, poll) at N = 1, median of ${runs}: ${med((r) => r.total)} ms ` +
      `(runs: ${rows.map((r) => Math.round(r.total)).join(' ')}; goal <= 150 ms, faas-cli on Go faasd 232 ms)`,
    `  split (medians, ms): PUT+404+POST ${med((r) => r.post)}; in the POST: registry check ${med((r) => r.phases.registry)}, ` +
      `create ${med((r) => r.phases.create)} (of which CNI ${med((r) => r.phases.cni)}), task start ${med((r) => r.phases.start)}; ` +
      `POST answered -> first 200 (first accept) ${med((r) => r.accept)}`,
  ];
}

interface Level {
  n: number;
  deployMs: number;
  postP50: number;
  list: { p50: number; p99: number };
  invoke: { p50: number; p99: number };
  describe: { p50: number; p99: number };
  /** The daemon's CPU while idle (exit sweep and autoscaler every 5 s, probes): ms per second. */
  idleCpu: number;
  mem: PlatformMemory;
  perFnMb: number;
  restartMs: number;
  /** Of restartMs: until faasd up said the stack is up and the gateway answered /healthz. */
  upMs: number;
  /** One deploy alone at this N (PUT, 404, POST; median of 3): what a user waits, without the batch. */
  aloneMs: number;
  /** Where the alone deploys' time went, by the provider's deploy line (medians, ms). */
  aloneSplit: Record<string, number>;
  availableMb: number;
}

/** Deploys the API refused, and deployed functions that never answered, over the whole run. */
const failed: DeployError[] = [];
const silent: string[] = [];

/** Deploys fnName(from) .. fnName(n - 1) 50 at a time and waits for each to answer; the POSTs' ms. */
async function deployAll(s: TestStack, o: Options, from: number, n: number): Promise<number[]> {
  const names = Array.from({ length: n - from }, (_, i) => fnName(from + i));
  const posts: number[] = [];
  await inBatches(names, async (name) => {
    try {
      posts.push(await deployLikeFaasCli(s, name, Math.random() < o.zero));
    } catch (err) {
      // Reported, and the bench goes on without it (the table counts them).
      if (!(err instanceof DeployError)) throw err;
      failed.push(err);
      process.stderr.write(`${err.message}\n`);
      return;
    }
    // One that never answers is counted, not fatal: the figures for the others still mean something.
    await firstOk(s, name).catch((err: unknown) => {
      silent.push(name);
      process.stderr.write(`${name} never answered 200: ${String(err)}\n`);
    });
  });
  return posts;
}

async function level(
  s: TestStack,
  ctd: TestContainerd,
  o: Options,
  from: number,
  n: number,
  base: PlatformMemory,
): Promise<Level> {
  const [deployMs, posts] = await timed(() => deployAll(s, o, from, n));
  const last = posts.slice(-BATCH);
  const alone = await aloneDeploys(s, 3);
  const list = await latency(Math.min(50, 20 + n), () => `${s.gateway}/system/functions`, s.auth);
  const up = () => {
    for (;;) {
      const f = fnName(randomInt(n));
      if (!failed.some((e) => e.fn === f) && !silent.includes(f)) return f;
    }
  };
  const invoke = await latency(200, () => `${s.gateway}/function/${up()}`);
  const describe = await latency(50, () => `${s.gateway}/system/function/${up()}`, s.auth);
  const pid = s.up?.proc.pid ?? 0;
  const cpu0 = await cpuMs(pid);
  const [idleMs] = await timed(() => new Promise((r) => setTimeout(r, 10_000)));
  const idleCpu = ((await cpuMs(pid)) - cpu0) / (idleMs / 1000);
  const core = ctd.client.inNamespace(s.config.namespace);
  const mem = await platformMemory(s, ctd.address, core);
  const gone = new Set([...failed.map((f) => f.fn), ...silent]);
  const all = Array.from({ length: n }, (_, i) => fnName(i)).filter((f) => !gone.has(f));
  await s.stop(s.up);
  let upMs = 0;
  const [restartMs] = await timed(async () => {
    [upMs] = await timed(() => s.startUp());
    await inBatches(all, (name) => firstOk(s, name));
  });
  return {
    n,
    deployMs,
    postP50: median(last),
    list,
    invoke,
    describe,
    idleCpu,
    mem,
    perFnMb: (mem.pssMb - base.pssMb) / n,
    restartMs,
    upMs,
    aloneMs: alone.postMs,
    aloneSplit: alone.split,
    availableMb: await hostAvailableMb(),
  };
}

function table(levels: Level[], base: PlatformMemory): string[] {
  const r = (x: number) => Math.round(x);
  const f1 = (x: number) => x.toFixed(1);
  return [
    `platform PSS with no function: ${base.pssMb} MB (${base.processes} processes)`,
    '',
    '| N | deploy of the batch (50 at a time) | POST p50 in the batch / one deploy alone | list p50 / p99 | describe p50 / p99 | invoke p50 / p99 | idle daemon CPU | platform PSS | per function | shims / log helpers | start with N present: up / all answer | host available |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...levels.map(
      (l) =>
        `| ${l.n} | ${r(l.deployMs)} ms | ${r(l.postP50)} / ${r(l.aloneMs)} ms | ${f1(l.list.p50)} / ${f1(l.list.p99)} ms | ` +
        `${f1(l.describe.p50)} / ${f1(l.describe.p99)} ms | ${f1(l.invoke.p50)} / ${f1(l.invoke.p99)} ms | ${r(l.idleCpu)} ms/s | ${l.mem.pssMb} MB | ${l.perFnMb.toFixed(2)} MB | ` +
        `${l.mem.shims} / ${l.mem.loggers} | ${r(l.upMs)} / ${r(l.restartMs)} ms | ${l.availableMb} MB |`,
    ),
    '',
    'goals: list p50 <= 50 ms and start <= 5 s at N = 1,000; <= 1 MB PSS per function; per-deploy at 1,000 within 1.5x of N = 1',
    '',
    "one deploy alone, split by phase (the provider's deploy line; medians of 3, ms):",
    '',
    ...SPLIT_HEAD,
    ...levels.map((l) => splitRow(l.n, l.aloneMs, l.aloneSplit)),
  ];
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench/density needs root (it starts containerd and runs CNI plugins)\n');
    process.exit(2);
  }
  const o = parseArgs(process.argv.slice(2));
  let ctd: TestContainerd | undefined;
  let s: TestStack | undefined;
  try {
    ctd = await startContainerd('bench-density');
    // A /21 (2,046 addresses): a /24 holds only 253 functions.
    s = await testStack(ctd, 'bench-density', {
      bundle: true,
      env: { FAASD_SUBNET: `10.208.${8 * randomInt(32)}.0/21` },
    });
    await packCompiledFunction(ctd.client.inNamespace(s.config.functionNamespace), IMAGE);
    await s.startUp();
    if (o.only === 'start') {
      const n = o.levels.at(-1) ?? 1;
      const [ms] = await timed(() => deployAll(s!, o, 0, n));
      process.stderr.write(`bench/density: ${n} functions deployed in ${Math.round(ms)} ms\n`);
      const gone = new Set([...failed.map((f) => f.fn), ...silent]);
      const names = Array.from({ length: n }, (_, i) => fnName(i)).filter((f) => !gone.has(f));
      process.stdout.write(`${(await startOnly(s, names, o.restarts)).join('\n')}\n`);
      await s.stop(s.up);
      return;
    }
    if (o.only === 'deploy') {
      process.stdout.write(
        `${(await deploysOnly(s, o.levels, (from, n) => deployAll(s!, o, from, n))).join('\n')}\n`,
      );
      await s.stop(s.up);
      return;
    }
    const core = ctd.client.inNamespace(s.config.namespace);
    const base = await platformMemory(s, ctd.address, core);
    const out = [...(await firstDeploys(s, 5)), ''];
    process.stderr.write(`${out.join('\n')}\n`);
    const levels: Level[] = [];
    let have = 0;
    for (const n of o.levels) {
      process.stderr.write(`bench/density: N = ${n}…\n`);
      levels.push(await level(s, ctd, o, have, n, base));
      have = n;
      // This level's row of each table: the main one (after its 4 head lines), and the split's last.
      const rows = table(levels, base);
      process.stderr.write(`${rows[3 + levels.length] ?? ''}\n${rows.at(-1) ?? ''}\n`);
    }
    process.stdout.write([...out, ...table(levels, base)].join('\n') + '\n');
    // Delete through the API too: the delete path is part of what N functions cost.
    const [delMs] = await timed(() =>
      inBatches(
        Array.from({ length: have }, (_, i) => fnName(i)),
        (n) => removeFunction(s!, n),
      ),
    );
    if (silent.length) process.stdout.write(`never answered: ${silent.length} (${silent.join(' ')})\n`);
    if (failed.length)
      process.stdout.write(
        `deploys refused: ${failed.length} (${failed.map((f) => f.message).join('; ')})\n`,
      );
    process.stdout.write(`delete of ${have} functions (50 at a time): ${Math.round(delMs)} ms\n`);
    const said = (s.up?.output() ?? '').split('\n').filter((l) => / error /.test(l));
    if (said.length)
      process.stdout.write(`faasd up logged ${said.length} errors; the last: ${said.at(-1)}\n`);
    await s.stop(s.up);
  } catch (err) {
    // What the daemon said last about errors: the bench's own message rarely says why.
    const said = (s?.up?.output() ?? '').split('\n').filter((l) => / (error|warn) /.test(l));
    process.stderr.write(`faasd up's last errors and warnings:\n${said.slice(-20).join('\n')}\n`);
    throw err;
  } finally {
    // DENSITY_SAVE_LOG: keep the daemon's whole log (its deploy lines say where each deploy's time went).
    if (process.env.DENSITY_SAVE_LOG) await appendFile(process.env.DENSITY_SAVE_LOG, s?.up?.output() ?? '');
    await s?.cleanup();
    await ctd?.stop();
  }
}

await main();
