// The stack benches: faasd up (cold, warm, SIGTERM), provider (deploy -> first 200, 20 concurrent deploys,
// invoke throughput at 8 connections), gateway (invoke throughput, async enqueue rate), RSS.
import { readFile } from 'node:fs/promises';
import { startContainerd, type TestContainerd } from '../test/helpers/containerd.js';
import { testStack, type TestStack } from '../test/helpers/stack.js';
import { pollUntil } from '../test/helpers/wait.js';
import { packNodeFunction } from './node-function.js';
import { load } from './load.js';
import { median, timed, type BenchResult } from './stats.js';

const FN_IMAGE = 'bench.local/noop:1';

/**
 * Resident memory of a process: RSS, and what it alone holds (private pages). A Node daemon's RSS counts
 * ~41 MB of the node binary's text, which every node process on the host shares.
 */
async function memMb(pid: number): Promise<{ rss: number; own: number }> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? '0');
  const mb = (n: number) => Number((n / 1024).toFixed(1));
  return { rss: mb(kb('Rss')), own: mb(kb('Private_Clean') + kb('Private_Dirty')) };
}

async function memResult(name: string, pid: number, reference?: string): Promise<BenchResult> {
  const m = await memMb(pid);
  return { name, value: m.rss, unit: `MB (private ${m.own} MB)`, ...(reference ? { reference } : {}) };
}

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

async function deploy(s: TestStack, name: string): Promise<void> {
  const res = await fetch(`${s.gateway}/system/functions`, {
    method: 'POST',
    headers: { Authorization: s.auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ service: name, image: FN_IMAGE }),
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

export async function benchStack(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  let ctd: TestContainerd | undefined;
  let s: TestStack | undefined;
  try {
    ctd = await startContainerd('bench-stack');
    s = await testStack(ctd, 'bench-stack', { bundle: true });
    const st = s;
    await packNodeFunction(ctd.client.inNamespace(st.config.functionNamespace), FN_IMAGE);
    await st.startProvider();
    const providerPid = st.providerProc?.proc.pid ?? 0;
    out.push(await memResult('provider RSS idle (just started)', providerPid, 'faasd daemons 50.7 MB idle'));
    const [cold] = await timed(() => st.startUp());
    out.push({
      name: 'faasd up -> gateway /healthz, cold (images packed on first start)',
      value: Math.round(cold),
      unit: 'ms',
    });
    const warm: number[] = [];
    const exits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [exit] = await timed(() => st.stop(st.up));
      exits.push(exit);
      const [w] = await timed(() => st.startUp());
      warm.push(w);
    }
    out.push({
      name: 'faasd up -> gateway /healthz, warm (median of 3)',
      value: Math.round(median(warm)),
      unit: 'ms',
      reference: 'upstream faasd 2050 ms',
    });
    out.push({
      name: 'faasd up SIGTERM -> exit (4 services removed)',
      value: Math.round(median(exits)),
      unit: 'ms',
    });

    const core = ctd.client.inNamespace(st.config.namespace);
    const coreIdle: Record<string, { rss: number; own: number }> = {};
    for (const svc of ['gateway', 'queue-worker']) {
      const t = await core.tasks.get(svc);
      if (t) coreIdle[svc] = await memMb(t.pid);
    }

    const firsts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [ms] = await timed(async () => {
        await deploy(st, `first${i}`);
        await firstOk(`${st.gateway}/function/first${i}`);
      });
      firsts.push(ms);
      await remove(st, `first${i}`);
    }
    out.push({
      name: 'deploy -> first 200 (median of 5)',
      value: Math.round(median(firsts)),
      unit: 'ms',
      reference: 'reference 410 ms',
    });

    const names = Array.from({ length: 20 }, (_, i) => `many${i}`);
    const [many] = await timed(() =>
      Promise.all(
        names.map(async (n) => {
          await deploy(st, n);
          await firstOk(`${st.gateway}/function/${n}`);
        }),
      ),
    );
    out.push({
      name: '20 concurrent deploys until all answer',
      value: Math.round(many),
      unit: 'ms',
      reference: 'reference 9600 ms',
    });

    out.push(await memResult('provider RSS with 20 functions', providerPid));
    for (const n of names) await remove(st, n);

    await deploy(st, 'noop');
    await firstOk(`${st.gateway}/function/noop`);
    const opts = { connections: 8, durationMs: 8000, maxRequests: 200_000 };
    await load(`${st.provider}/function/noop`, { ...opts, durationMs: 1000 }); // warm-up
    const viaProvider = await load(`${st.provider}/function/noop`, opts);
    out.push({
      name: 'invoke via provider, 8 conns: req/s',
      value: viaProvider.rps,
      unit: 'req/s',
      reference: 'reference 458 req/s',
    });
    out.push({
      name: 'invoke via provider: p50 / p99',
      value: viaProvider.p50ms,
      unit: `ms (p99 ${viaProvider.p99ms} ms)`,
      reference: 'reference p50 17 ms',
    });
    const viaGateway = await load(`${st.gateway}/function/noop`, opts);
    out.push({
      name: 'invoke via gateway, 8 conns: req/s',
      value: viaGateway.rps,
      unit: 'req/s',
      reference: 'reference 278 req/s (target >= 2780)',
    });
    out.push({
      name: 'invoke via gateway: p50 / p99',
      value: viaGateway.p50ms,
      unit: `ms (p99 ${viaGateway.p99ms} ms)`,
      reference: 'reference p50 28 ms',
    });
    const direct = await load(`http://${await functionIp(st, 'noop')}:8080/`, opts);
    out.push({ name: 'the function itself, 8 conns: req/s', value: direct.rps, unit: 'req/s' });
    if (viaGateway.errors + viaProvider.errors > 0)
      out.push({
        name: 'errors during invoke load',
        value: viaGateway.errors + viaProvider.errors,
        unit: 'requests',
      });

    const asyncLoad = await load(`${st.gateway}/async-function/noop`, {
      connections: 8,
      durationMs: 5000,
      maxRequests: 5000,
      method: 'POST',
      body: 'x',
    });
    out.push({ name: 'async enqueue via gateway, 8 conns', value: asyncLoad.rps, unit: 'req/s' });

    out.push({
      name: 'log collector per container (PSS)',
      value: await loggerPssMb(),
      unit: 'MB',
      reference: 'reference 17.6 MB RSS',
    });
    out.push(await memResult('provider RSS after the invoke loads', providerPid));
    out.push(await memResult('faasd up RSS', st.up?.proc.pid ?? 0));
    for (const [svc, before] of Object.entries(coreIdle)) {
      const t = await core.tasks.get(svc);
      if (!t) continue;
      const now = await memMb(t.pid);
      out.push({
        name: `${svc} RSS idle / after the loads`,
        value: before.rss,
        unit: `/ ${now.rss} MB (private ${before.own} / ${now.own} MB)`,
      });
    }
    await remove(st, 'noop');
    await st.stop(st.up);
    await st.stop(st.providerProc);
    return out;
  } finally {
    await s?.cleanup();
    await ctd?.stop();
  }
}

async function functionIp(s: TestStack, name: string): Promise<string> {
  const { networkFromConfig } = await import('../src/network/index.js');
  const rec = await networkFromConfig(s.config).store.find(s.config.functionNamespace, name);
  return rec?.ip ?? '127.0.0.1';
}
