// Invocation throughput, measured with wrk as issue #12 does (-t2 -c8 -d5s): the function alone (its own
// IP in our netns), through the provider and through the gateway, for each function under test; the
// gateway's own /healthz; async enqueue and how long the queue takes to drain.
import type { TestStack } from '../test/helpers/stack.js';
import { pollUntil } from '../test/helpers/wait.js';
import { cpuPerRequest, type CpuPerRequest } from './proc-stats.js';
import type { BenchResult } from './stats.js';
import { POST_SCRIPT, wrk, type WrkResult } from './wrk.js';

/** As in issue #12 and docs/field-notes: 2 threads, 8 keep-alive connections, 5 s. */
const LOAD = { threads: 2, connections: 8, durationS: 5 } as const;
const WARM = { threads: 2, connections: 8, durationS: 1 } as const;

export interface FunctionUnderTest {
  /** As printed: `compiled (C, epoll)`, `Node http`. */
  label: string;
  /** The deployed function's name. */
  name: string;
  /** Its address inside our netns, e.g. http://10.203.0.5:8080. */
  direct: string;
  /** The goal for the gateway path, when it names one for this function. */
  gatewayGoal?: string;
}

function row(name: string, r: WrkResult, reference?: string): BenchResult {
  return {
    name,
    value: r.rps,
    unit: `req/s (p50 ${r.p50ms} ms, p99 ${r.p99ms} ms)`,
    ...(reference ? { reference } : {}),
    ...(r.errors ? { note: `${r.errors} errors (${r.non2xx} non-2xx) in ${r.requests} requests` } : {}),
  };
}

/**
 * The daemon's CPU per request over one wrk run: req/s swings with the machine's load (±20 % here), CPU
 * time per request far less, so each change to the invoke path is judged by it (issue #12).
 */
function cpuRow(name: string, c: CpuPerRequest): BenchResult {
  return {
    name: `${name}: daemon CPU per request`,
    value: c.mainUs,
    unit: `µs main thread (${c.mainSystemUs} µs of it in the kernel); ${c.processUs} µs all threads`,
    reference: 'issue #12: < ~66 µs on the main thread for 15,000 req/s',
  };
}

/** wrk against `url`, with the CPU per request of the daemon that answers it (when its PID is known). */
async function measured(url: string, pid: number | undefined): Promise<[WrkResult, CpuPerRequest?]> {
  if (!pid) return [await wrk(url, LOAD)];
  return cpuPerRequest(pid, () => wrk(url, LOAD));
}

export async function benchInvoke(s: TestStack, fns: FunctionUnderTest[]): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  // The daemon variant serves both paths from `faasd up`; the split one has a provider process of its own.
  const gatewayPid = s.variant === 'daemon' ? s.up?.proc.pid : undefined;
  const providerPid = s.providerProc?.proc.pid ?? gatewayPid;
  out.push(
    row('gateway /healthz, 8 conns', await wrk(`${s.gateway}/healthz`, LOAD), 'issue #12: 30,700 req/s'),
  );
  for (const fn of fns) {
    const viaGateway = `${s.gateway}/function/${fn.name}`;
    const viaProvider = `${s.provider}/function/${fn.name}`;
    await wrk(viaGateway, WARM); // warms the function, the provider and the gateway alike
    out.push(row(`${fn.label} function alone, 8 conns`, await wrk(fn.direct, LOAD)));
    // Provider then gateway back to back, so their ratio compares like with like on a shared machine.
    const [provider, providerCpu] = await measured(viaProvider, providerPid);
    const [gateway, gatewayCpu] = await measured(viaGateway, gatewayPid);
    out.push(row(`${fn.label} via provider, 8 conns`, provider));
    if (providerCpu) out.push(cpuRow(`${fn.label} via provider`, providerCpu));
    out.push(row(`${fn.label} via gateway, 8 conns`, gateway, fn.gatewayGoal));
    if (gatewayCpu) out.push(cpuRow(`${fn.label} via gateway`, gatewayCpu));
    out.push({
      name: `${fn.label}: gateway / provider, same run`,
      value: provider.rps ? Number((gateway.rps / provider.rps).toFixed(2)) : 0,
      unit: 'x',
      reference: 'goal >= 0.9',
    });
  }
  return out;
}

/** Invocations of `fn` the gateway has counted (any status), from its /metrics. */
async function gatewayInvocations(s: TestStack, fn: string): Promise<number> {
  const text = await (await fetch(`${s.gateway}/metrics`)).text();
  const key = `function_name="${fn}.${s.config.functionNamespace}"`;
  let n = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('gateway_function_invocation_total{') && line.includes(key))
      n += Number(line.slice(line.lastIndexOf(' ') + 1));
  return n;
}

/**
 * Async: POST /async-function for 3 s (at most `perThread` requests a thread), then the time until the
 * queue-worker has invoked every accepted request (counted by the gateway, bounded by a deadline).
 */
export async function benchAsync(s: TestStack, fn: string, perThread = 10_000): Promise<BenchResult[]> {
  const before = await gatewayInvocations(s, fn);
  const t0 = Date.now();
  const r = await wrk(`${s.gateway}/async-function/${fn}`, {
    ...LOAD,
    durationS: 3,
    script: POST_SCRIPT,
    scriptArgs: [String(perThread)],
  });
  const accepted = r.requests - r.non2xx;
  const capped = r.requests >= perThread * LOAD.threads;
  const out: BenchResult[] = [
    {
      ...row('async enqueue via gateway, 8 conns', r),
      ...(capped ? { note: `hit the cap of ${perThread} a thread: the rate is a lower bound` } : {}),
    },
  ];
  try {
    await pollUntil(
      `${accepted} queued invocations of ${fn}`,
      async () => ((await gatewayInvocations(s, fn)) - before >= accepted ? true : undefined),
      { timeoutMs: 180_000, intervalMs: 200 },
    );
    const seconds = (Date.now() - t0) / 1000;
    out.push({
      name: `async: ${accepted} queued -> all invoked (queue-worker -> gateway -> function)`,
      value: Math.round(accepted / seconds),
      unit: `req/s (${seconds.toFixed(1)} s from the first enqueue)`,
    });
  } catch (err) {
    out.push({ name: 'async: queue drained', value: 0, unit: '', note: `not measured: ${String(err)}` });
  }
  return out;
}
