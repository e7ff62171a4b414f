// bench/chaos: deploy / update / scale / delete / invoke loops on a test stack while the provider,
// `faasd up` and containerd are SIGKILLed at seeded moments and started again as systemd would; after
// each round it counts what leaked and which functions answer. Root only. Exits non-zero only when the
// tool itself fails; leaks and failed answers are printed, not fatal.
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startContainerd, type TestContainerd } from '../test/helpers/containerd.js';
import { BUNDLE } from '../test/helpers/faasd-process.js';
import { testStack, type TestStack } from '../test/helpers/stack.js';
import { packAppFunction } from './app-function.js';
import { GatewayApi } from './chaos-api.js';
import { ContainerdDaemon, FaasdDaemon, type Daemon, type Target } from './chaos-daemons.js';
import { leaseBaseline } from './chaos-leaks.js';
import { TARGETS, describeKills, makePlan } from './chaos-plan.js';
import { chaosTable, failureSummary, type RoundRow } from './chaos-report.js';
import { FunctionModel, runRound } from './chaos-round.js';
import { settle } from './chaos-settle.js';

const IMAGE = 'bench.local/chaos-fn:1';

const { values: a } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    kills: { type: 'string', default: '20' },
    ops: { type: 'string', default: '30' },
    functions: { type: 'string', default: '10' },
    seed: { type: 'string' },
    concurrency: { type: 'string', default: '3' },
    'settle-seconds': { type: 'string', default: '90' },
    // Each worker waits this long between operations, so a round lasts long enough for a kill to land
    // among working operations and for later ones to meet the restarted daemon.
    'op-gap-ms': { type: 'string', default: '300' },
    'restart-delay-ms': { type: 'string', default: '2000' },
    'request-timeout-ms': { type: 'string', default: '30000' },
    // USER of the function image: a named user as OpenFaaS templates have (`USER app`, uid 1000);
    // `--fn-user 1000` for a build that resolves numeric users only (before issue #11's fix).
    'fn-user': { type: 'string', default: 'app' },
    // A split deployment (faasd provider + faasd up --no-provider, gateway and queue-worker in
    // containers); by default the one daemon.
    split: { type: 'boolean', default: false },
  },
});
const num = (name: string, v: string | undefined, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(
      `bench/chaos: --${name} ${JSON.stringify(v)} must be a whole number in ${min}..${max}\n`,
    );
    process.exit(2);
  }
  return n;
};
const o = {
  rounds: num('rounds', a.rounds, 1, 100),
  kills: num('kills', a.kills, 0, 200),
  opsPerRound: num('ops', a.ops, 1, 1000),
  functions: num('functions', a.functions, 1, 15),
  seed: a.seed === undefined ? randomInt(2 ** 31) : num('seed', a.seed, 0, 2 ** 31),
  concurrency: num('concurrency', a.concurrency, 1, 16),
  settleMs: num('settle-seconds', a['settle-seconds'], 5, 600) * 1000,
  opGapMs: num('op-gap-ms', a['op-gap-ms'], 0, 60_000),
  restartDelayMs: num('restart-delay-ms', a['restart-delay-ms'], 0, 60_000),
  timeoutMs: num('request-timeout-ms', a['request-timeout-ms'], 1000, 300_000),
};

// The built bundle is what users run, and `faasd up` packs the gateway's image from it.
if (!existsSync(BUNDLE)) {
  process.stderr.write(`bench/chaos: ${BUNDLE} is missing: run \`npm run build\` first\n`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  process.stderr.write('bench/chaos needs root (it starts containerd and runs CNI plugins and iptables)\n');
  process.exit(2);
}

const say = (line: string) => process.stderr.write(`chaos: ${line}\n`);
const variant = a.split ? 'split' : 'daemon';
const plan = makePlan({ ...o, targets: TARGETS[variant] });
say(
  `seed ${o.seed} (repeat with --seed ${o.seed}); ${o.rounds} rounds x ${o.opsPerRound} ops on ` +
    `${o.functions} functions, ${o.kills} kills`,
);
say(`kills: ${describeKills(plan) || 'none'}`);

let ctd: TestContainerd | undefined;
let stack: TestStack | undefined;
const daemons = new Map<Target, Daemon>();
const rows: RoundRow[] = [];
let api: GatewayApi | undefined;
let failed = false;
try {
  ctd = await startContainerd('chaos');
  const s = await testStack(ctd, 'chaos', { bundle: true, variant });
  stack = s;
  const cfg = s.config;
  await packAppFunction(ctd.client.inNamespace(cfg.functionNamespace), IMAGE, { user: a['fn-user'] });
  const managed = { bundle: true, restartDelayMs: o.restartDelayMs, maxRestarts: 100 };
  const provider = new FaasdDaemon(
    'provider',
    ['provider', '--listen', s.bridgeIp],
    s.env,
    'listening',
    managed,
    (p) => {
      s.providerProc = p;
    },
  );
  const compose = join(cfg.stateDir, 'docker-compose.yaml');
  const healthz = async () =>
    (await fetch(`${s.gateway}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined))?.ok ??
    false;
  const up = new FaasdDaemon(
    'up',
    variant === 'split' ? ['up', '--compose', compose, '--no-provider'] : ['up', '--compose', compose],
    s.env,
    'stack is up',
    { ...managed, probe: healthz },
    (p) => {
      s.up = p;
    },
  );
  daemons.set('containerd', new ContainerdDaemon(ctd, o.restartDelayMs));
  if (variant === 'split') {
    daemons.set('provider', provider);
    provider.start();
    await provider.ready(120_000);
  }
  daemons.set('up', up);
  up.start();
  await up.ready(180_000);

  api = new GatewayApi(s.gateway, s.auth, IMAGE, o.timeoutMs);
  const coreIds = new Set((await ctd.client.inNamespace(cfg.namespace).containers.list()).map((c) => c.id));
  const namespaces = [cfg.namespace, cfg.functionNamespace];
  const model = new FunctionModel(Array.from({ length: o.functions }, (_, i) => `chaos${i}`));
  const settleArgs = {
    api,
    model,
    daemons: [...daemons.values()],
    coreIds,
    settleMs: o.settleMs,
  };

  say(`deploying ${o.functions} functions (no kills)`);
  const initial = await runRound({
    api,
    model,
    ops: model.names.map((_, fn) => ({ fn, kind: 'deploy' as const, replicas: 1 })),
    kills: [],
    daemons,
    concurrency: o.concurrency,
    gapMs: 0,
    log: say,
  });
  const scope = {
    client: ctd.client,
    config: cfg,
    baselineLeases: await leaseBaseline(ctd.client, namespaces),
  };
  rows.push({ label: 'start', kills: [], tally: initial, settle: await settle({ ...settleArgs, scope }) });

  for (const [r, ops] of plan.rounds.entries()) {
    const kills = plan.kills.filter((k) => k.round === r);
    say(
      `round ${r + 1}/${o.rounds}: ${ops.length} ops, kills: ${kills.map((k) => k.target).join(', ') || 'none'}`,
    );
    const tally = await runRound({
      api,
      model,
      ops,
      kills,
      daemons,
      concurrency: o.concurrency,
      gapMs: o.opGapMs,
      log: say,
    });
    const result = await settle({ ...settleArgs, scope });
    rows.push({ label: String(r + 1), kills: tally.killed, tally, settle: result });
    say(`  settled in ${result.settledMs} ms; looked at ${result.leaks.seen}`);
    for (const d of result.leaks.details.slice(0, 20)) say(`  leaked ${d}`);
    if (result.lost.length) say(`  lost (deployed, no longer listed): ${result.lost.join(', ')}`);
    if (result.revived.length) say(`  revived (deleted, listed again): ${result.revived.join(', ')}`);
    if (result.down.length) say(`  not back within the settle time: ${result.down.join(', ')}`);
  }
} catch (err) {
  failed = true;
  say(`the tool failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  for (const d of daemons.values()) await d.stop().catch(() => undefined);
  await stack?.cleanup().catch((err: unknown) => say(`cleanup: ${String(err)}`));
  await ctd?.stop().catch((err: unknown) => say(`containerd stop: ${String(err)}`));
}

if (rows.length) {
  process.stdout.write(`\nchaos: seed ${o.seed}, kills: ${describeKills(plan) || 'none'}\n\n`);
  process.stdout.write(chaosTable(rows) + '\n');
  const failures = failureSummary(rows);
  process.stdout.write(`\noperations without a 2xx (kind status, 0 = no answer): ${failures || 'none'}\n`);
  for (const [k, text] of api?.samples ?? []) process.stdout.write(`  first ${k}: ${text}\n`);
  for (const d of daemons.values())
    for (const c of d.crashes) process.stdout.write(`${d.name} exited by itself: ${c}\n`);
}
process.exit(failed ? 1 : 0);
