// bench/soak: mixed sync and async invocations through the gateway at 8 and then 256 connections (wrk),
// with RSS, PSS and open fds of each daemon at start, at peak and after the load and a settle period.
// Root only. Bounded in time (--minutes) and count (per phase). Exits non-zero only when the tool fails.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { startContainerd, type TestContainerd } from '../test/helpers/containerd.js';
import { BUNDLE } from '../test/helpers/faasd-process.js';
import { testStack, type TestStack } from '../test/helpers/stack.js';
import { pollUntil } from '../test/helpers/wait.js';
import { packAppFunction } from './app-function.js';
import { ProcTrack, procTable } from './proc-stats.js';
import { runWrk, writeWrkScript } from './soak-wrk.js';
import { queuedInvocations } from './soak-queue.js';
import { phaseTable, errorsByStatus, type PhaseResult } from './soak-report.js';

const IMAGE = 'bench.local/soak-fn:1';
const FN = 'soak';

const { values: a } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'settle-seconds': { type: 'string', default: '90' },
    'drain-seconds': { type: 'string', default: '300' },
    'async-share': { type: 'string', default: '0.25' },
    'max-requests': { type: 'string', default: '20000000' },
    'async-rate': { type: 'string', default: '100' },
    'timeout-seconds': { type: 'string', default: '10' },
    'fn-user': { type: 'string', default: 'app' },
  },
});
const num = (name: string, v: string | undefined, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`bench/soak: --${name} ${JSON.stringify(v)} must be a number in ${min}..${max}\n`);
    process.exit(2);
  }
  return n;
};
const o = {
  seconds: Math.round(num('minutes', a.minutes, 0.1, 240) * 60),
  settleSeconds: num('settle-seconds', a['settle-seconds'], 0, 3600),
  drainSeconds: num('drain-seconds', a['drain-seconds'], 0, 3600),
  asyncShare: num('async-share', a['async-share'], 0, 0.5),
  maxRequests: num('max-requests', a['max-requests'], 1, 1e9),
  asyncRate: num('async-rate', a['async-rate'], 1, 100_000),
  timeoutSeconds: num('timeout-seconds', a['timeout-seconds'], 1, 120),
};
const say = (line: string) => process.stderr.write(`soak: ${line}\n`);

if (process.getuid?.() !== 0) {
  process.stderr.write('bench/soak needs root (it starts containerd and runs CNI plugins)\n');
  process.exit(2);
}
if (!existsSync(BUNDLE)) {
  process.stderr.write(`bench/soak: ${BUNDLE} is missing: run \`npm run build\` first\n`);
  process.exit(2);
}
if ((await execa('wrk', ['--version'], { reject: false })).exitCode === 127) {
  process.stderr.write('bench/soak: wrk is missing: apt-get install -y wrk (scripts/setup-host.sh)\n');
  process.exit(2);
}

let ctd: TestContainerd | undefined;
let stack: TestStack | undefined;
let scratch: string | undefined;
let failed = false;
const phases: PhaseResult[] = [];
const tracks: ProcTrack[] = [];
let drain = '';
try {
  scratch = await mkdtemp('/tmp/faasd-test-soak-wrk-');
  const script = await writeWrkScript(scratch);
  ctd = await startContainerd('soak');
  const s = await testStack(ctd, 'soak', { bundle: true });
  stack = s;
  const client = ctd.client;
  await packAppFunction(client.inNamespace(s.config.functionNamespace), IMAGE, { user: a['fn-user'] });
  await s.startProvider();
  await s.startUp();
  const res = await fetch(`${s.gateway}/system/functions`, {
    method: 'POST',
    headers: { Authorization: s.auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ service: FN, image: IMAGE }),
    signal: AbortSignal.timeout(60_000),
  });
  if (res.status !== 202) throw new Error(`deploy ${FN}: ${res.status} ${await res.text()}`);
  await pollUntil(
    `${FN} to answer`,
    async () => ((await fetch(`${s.gateway}/function/${FN}`)).status === 200 ? true : undefined),
    { timeoutMs: 120_000, intervalMs: 200 },
  );

  const core = client.inNamespace(s.config.namespace);
  const taskPid = (id: string) => async () => (await core.tasks.get(id).catch(() => undefined))?.pid;
  tracks.push(
    new ProcTrack('provider', async () => s.providerProc?.proc.pid),
    new ProcTrack('faasd up', async () => s.up?.proc.pid),
    new ProcTrack('gateway (task)', taskPid('gateway')),
    new ProcTrack('queue-worker (task)', taskPid('queue-worker')),
  );
  for (const t of tracks) await t.sample('start');

  let loading = true;
  const sampler = (async () => {
    while (loading) {
      for (const t of tracks) await t.sample('during');
      await delay(1000);
    }
  })();
  const half = Math.max(1, Math.round(o.seconds / 2));
  try {
    for (const connections of [8, 256]) {
      const asyncConns = o.asyncShare > 0 ? Math.max(1, Math.round(connections * o.asyncShare)) : 0;
      say(`${connections} connections for ${half} s (${connections - asyncConns} sync, ${asyncConns} async)`);
      const common = { script, base: s.gateway, seconds: half, timeoutSeconds: o.timeoutSeconds };
      const [sync, queued] = await Promise.all([
        runWrk({
          ...common,
          method: 'GET',
          path: `/function/${FN}`,
          connections: connections - asyncConns,
          maxRequests: o.maxRequests,
        }),
        asyncConns
          ? runWrk({
              ...common,
              method: 'POST',
              path: `/async-function/${FN}`,
              connections: asyncConns,
              // Paced, so the queue the worker must drain stays bounded: rate x time at most.
              pauseMs: (asyncConns * 1000) / o.asyncRate,
              maxRequests: Math.ceil(o.asyncRate * half),
            })
          : undefined,
      ]);
      phases.push({ kind: 'sync', connections: connections - asyncConns, seconds: half, result: sync });
      if (queued) phases.push({ kind: 'async', connections: asyncConns, seconds: half, result: queued });
    }
    // The queue-worker is still busy while async invocations are queued: wait (bounded) for the queue.
    say(`load stopped; waiting up to ${o.drainSeconds} s for the async queue to drain`);
    const drainStart = Date.now();
    let queued = await queuedInvocations(s.config);
    while (queued && Date.now() - drainStart < o.drainSeconds * 1000) {
      await delay(2000);
      queued = await queuedInvocations(s.config);
    }
    drain = `${queued ?? 'unknown'} async invocations queued ${Math.round((Date.now() - drainStart) / 1000)} s after the load`;
    say(`${drain}; settling for ${o.settleSeconds} s`);
    await delay(o.settleSeconds * 1000);
  } finally {
    loading = false;
    await sampler;
  }
  for (const t of tracks) await t.sample('end');
  await s.stop(s.up);
  await s.stop(s.providerProc);
} catch (err) {
  failed = true;
  say(`the tool failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await stack?.cleanup().catch((err: unknown) => say(`cleanup: ${String(err)}`));
  await ctd?.stop().catch((err: unknown) => say(`containerd stop: ${String(err)}`));
  if (scratch) await rm(scratch, { recursive: true, force: true });
}

if (phases.length) {
  process.stdout.write(`\n${phaseTable(phases)}\n\n${procTable(tracks)}\n\n`);
  process.stdout.write(`${drain}\n`);
  process.stdout.write(
    `errors by status (wrk socket errors as socket:KIND): ${errorsByStatus(phases) || 'none'}\n`,
  );
}
process.exit(failed ? 1 : 0);
