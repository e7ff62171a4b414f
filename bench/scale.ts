// bench/scale: issue #13's scaling goals on the default stack (one `faasd up`, the built bundle), each
// figure printed with the load average beside it. Root only; bounded (fixed durations and rounds, traffic
// to loopback and our own bridge only); removes what it made.
// Usage: bench/scale [--only update|zero|autoscale|batch ...] [--repeat N] [--zero-rounds N]
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startContainerd, type TestContainerd } from '../test/helpers/containerd.js';
import { BUNDLE } from '../test/helpers/faasd-process.js';
import { testStack, type TestStack } from '../test/helpers/stack.js';
import { faasdProcesses, memoryOf, round1 } from './memory.js';
import { benchAutoscale } from './scale-autoscale.js';
import { ScaleApi } from './scale-api.js';
import { BATCH_FUNCTIONS, BATCH_REPLICAS, benchBatch, netLsReplicas, removeBatch } from './scale-batch.js';
import { packScaleImages } from './scale-images.js';
import { loadNow, spread, table, type Row } from './scale-report.js';
import { benchUpdate } from './scale-update.js';
import { benchZero } from './scale-zero.js';

const BENCHES = ['update', 'zero', 'autoscale', 'batch'] as const;
type Bench = (typeof BENCHES)[number];

const { values: a } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    repeat: { type: 'string', default: '1' },
    'zero-rounds': { type: 'string', default: '5' },
  },
});
const fail = (msg: string): never => {
  process.stderr.write(`bench/scale: ${msg}\n`);
  process.exit(2);
};
const count = (name: string, v: string | undefined, max: number): number => {
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= max
    ? n
    : fail(`--${name} ${JSON.stringify(v)}: use 1..${max}`);
};
const only = (a.only ?? []).flatMap((o) => o.split(','));
for (const o of only) if (!BENCHES.includes(o as Bench)) fail(`--only ${o}: use ${BENCHES.join(', ')}`);
const selected = BENCHES.filter((b) => only.length === 0 || only.includes(b));
const repeat = count('repeat', a.repeat, 10);
const zeroRounds = count('zero-rounds', a['zero-rounds'], 50);
if (process.getuid?.() !== 0) fail('needs root (it starts containerd and runs CNI plugins)');
if (!existsSync(BUNDLE)) fail(`${BUNDLE} is missing: run \`npm run build\` first`);

const say = (line: string) => process.stderr.write(`scale: ${line}\n`);
const rows: Row[] = [];
const row = (bench: string, figure: string, goal: string, note = '') =>
  rows.push({ bench, figure, goal, load: loadNow(), note });

async function run(b: Bench, s: TestStack, ctd: TestContainerd, api: ScaleApi): Promise<void> {
  const logs = () => s.up?.output() ?? '';
  if (b === 'update') {
    const r = await benchUpdate(api);
    const sock = r.wrk.socketErrors;
    row(
      'update under load (wrk -c8 30 s, PUT at 15 s)',
      `${r.wrk.non2xx} non-2xx, ${sock.connect + sock.read + sock.write + sock.timeout} socket errors of ${r.wrk.requests}`,
      '0 non-2xx',
      `${r.wrk.rps} req/s, p99 ${r.wrk.p99ms} ms; side poller ${r.pollerFailures} failed of ${r.polled}`,
    );
    row(
      'update: PUT -> first answer from the new version',
      r.firstNewMs === undefined ? 'none seen' : `${r.firstNewMs} ms`,
      'reported',
      `PUT answered after ${r.putMs} ms (new version: Node, listens after 1 s)`,
    );
  } else if (b === 'zero') {
    const r = await benchZero(api, logs, zeroRounds);
    const col = (k: 'taskStartMs' | 'readyAfterMs' | 'scaleMs' | 'waitMs' | 'probes') =>
      spread(r.rounds.flatMap((x) => (x[k] === undefined ? [] : [x[k]])));
    row(
      `scale from zero, compiled function: request -> 200 (${r.rounds.length} rounds)`,
      `${r.medianMs} ms median`,
      '<= 150 ms',
      `min / median / max ${spread(r.rounds.map((x) => x.ms))} ms; split (min / median / max): ` +
        `gateway scale call ${col('scaleMs')} ms, of it task start ${col('taskStartMs')} ms; ` +
        `task start -> ready ${col('readyAfterMs')} ms (${col('probes')} probes); ` +
        `gateway wait after the scale call ${col('waitMs')} ms; netns + CNI: none (kept at zero)`,
    );
  } else if (b === 'autoscale') {
    const r = await benchAutoscale(api);
    const s1 = (v: number | undefined) => (v === undefined ? 'not reached' : `${v} s`);
    row(
      'autoscale (capacity, target 1) 1 -> 4 wrk connections: replicas = 4',
      s1(r.toFourS),
      'reported',
      `after the 4-connection step began; 4 ready ${s1(r.toFourReadyS)}; from the load's start ${s1(r.fromLoadS)}; ` +
        `replicas seen ${r.path.join(' -> ')}; non-2xx ${r.steps.map((x) => x.wrk.errors).join('/')} per step`,
    );
    row(
      'autoscale: load stops -> back to min (1)',
      s1(r.backToMinS),
      'reported',
      'scale-down window 60 s (12 x 5 s)',
    );
  } else {
    const r = await benchBatch(api, s.config);
    const listed = await netLsReplicas(s.env, s.config.functionNamespace);
    const core = ctd.client.inNamespace(s.config.namespace);
    const mem = await memoryOf(await faasdProcesses([s.up?.proc.pid ?? 0], core));
    const pss = round1(mem.reduce((t, m) => t + m.pssMb, 0));
    const rss = round1(mem.reduce((t, m) => t + m.rssMb, 0));
    const all = BATCH_FUNCTIONS * BATCH_REPLICAS;
    row(
      `${BATCH_FUNCTIONS} functions x ${BATCH_REPLICAS} replicas deployed at once: all ${all} answer`,
      `${r.allAnswerS} s`,
      'reported',
      `every deploy answered after ${r.deployedS} s; faasd net ls lists ${listed} of ${all}`,
    );
    row(
      `platform memory with ${all} replicas (faasd-ts processes)`,
      `${pss} MB PSS`,
      'reported',
      `RSS ${rss} MB; ${mem.map((m) => `${m.role} ${m.pssMb}/${m.rssMb}`).join('; ')}`,
    );
    await removeBatch(api);
  }
}

let ctd: TestContainerd | undefined;
let s: TestStack | undefined;
try {
  ctd = await startContainerd('bench-scale');
  s = await testStack(ctd, 'bench-scale', { bundle: true });
  say('packing images');
  await packScaleImages(ctd.client.inNamespace(s.config.functionNamespace));
  await s.start();
  const api = new ScaleApi(s.gateway, s.auth);
  for (let i = 0; i < repeat; i++)
    for (const b of selected) {
      say(`${b} (run ${i + 1} of ${repeat}), load ${loadNow()}`);
      // A bench that fails is a row saying why; the others still run.
      await run(b, s, ctd, api).catch((err: unknown) => {
        say(`${b} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        row(b, 'failed', '', err instanceof Error ? err.message.slice(0, 300) : String(err));
      });
    }
  await s.stopAll();
} finally {
  await s?.cleanup();
  await ctd?.stop();
  // Printed also when something failed: the figures taken so far.
  process.stdout.write(
    `Measured ${new Date().toISOString()}, 2 cores shared with other work.\n${table(rows)}\n`,
  );
}
