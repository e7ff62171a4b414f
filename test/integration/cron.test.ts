import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { packEchoFunction } from '../helpers/echo-function.js';
import { testProvider, type TestProvider } from '../helpers/provider.js';
import { pollUntil } from '../helpers/wait.js';
import { startGateway } from '../../src/gateway/index.js';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { logPath } from '../../src/runtime/index.js';

const IMAGE = 'faasd.test/echo:1';

describe('cron triggers (cron-connector annotations) through the gateway', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let p: TestProvider;
  let gw: RunningGateway;
  let gwUrl: string;
  let ns: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gwUrl}${path}`, {
      method,
      headers: { Authorization: p.auth, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  };
  const deploy = (method: 'POST' | 'PUT', service: string, schedule: string) =>
    api(method, '/system/functions', {
      service,
      image: IMAGE,
      annotations: { topic: 'cron-function', schedule },
    });
  /** Requests the function itself answered, from its own log (the echo function logs each one). */
  const invocations = async (name: string): Promise<number> => {
    const text = await readFile(logPath(join(p.config.providerDir, 'logs'), ns, name), 'utf8').catch(
      () => '',
    );
    return text.split('\n').filter((l) => l.includes('start POST /')).length;
  };
  const metrics = async () => (await fetch(`${gwUrl}/metrics`)).text();
  /** The scheduler's own series for a function (the gateway's invocation series name it too). */
  const cronSeries = async (name: string) =>
    (await metrics()).includes(`cron_invocations_total{function="${name}.${ns}"`);
  const ready = (name: string) =>
    pollUntil(
      `${name} to be ready`,
      async () => {
        const r = await api('GET', `/system/function/${name}`);
        return r.status === 200 && (JSON.parse(r.text) as { availableReplicas: number }).availableReplicas > 0
          ? true
          : undefined;
      },
      { timeoutMs: 60_000 },
    );

  before(async () => {
    ctd = await startContainerd('cron');
    p = await testProvider(ctd, 'cron');
    ns = p.config.functionNamespace;
    await packEchoFunction(ctd.client.inNamespace(ns), IMAGE);
    await p.start();
    gw = await startGateway({
      port: 0,
      host: '127.0.0.1',
      providerUrl: p.url,
      natsUrl: undefined,
      prometheusUrl: undefined,
      secretsDir: join(p.config.stateDir, 'secrets'),
      defaultNamespace: ns,
      upstreamTimeoutMs: 30_000,
      scaleFromZeroTimeoutMs: 20_000,
      cronRefreshMs: 500,
    });
    gwUrl = `http://127.0.0.1:${gw.port}`;
  });
  after(async () => {
    await gw?.stop();
    await p?.cleanup();
    await ctd?.stop();
  });

  it('refuses a bad schedule with 400 naming it, and creates nothing', async () => {
    const r = await deploy('POST', 'bad', '*/5 * * *');
    assert.equal(r.status, 400);
    assert.match(r.text, /annotations\.schedule "\*\/5 \* \* \*"/);
    assert.equal((await api('GET', '/system/function/bad')).status, 404);
  });

  it('invokes @every 2s at least twice in 5 s, stops after delete, and follows a schedule change', async () => {
    assert.equal((await deploy('POST', 'tick', '@every 2s')).status, 202);
    assert.equal((await deploy('POST', 'clock', '@every 2s')).status, 202);
    // Yearly: it must not run until its update below.
    assert.equal((await deploy('POST', 'later', '0 0 1 1 *')).status, 202);
    await ready('tick');
    const start = await invocations('tick');
    await pollUntil(
      'tick to be invoked twice',
      async () => ((await invocations('tick')) >= start + 2 ? true : undefined),
      {
        timeoutMs: 5000,
        intervalMs: 100,
      },
    );
    assert.match(
      await metrics(),
      new RegExp(`cron_invocations_total\\{function="tick\\.${ns}",code="200"\\} \\d+`),
    );

    assert.equal(
      (await api('DELETE', '/system/functions', { functionName: 'tick', namespace: ns })).status,
      202,
    );
    await pollUntil('tick to be unscheduled', async () => (!(await cronSeries('tick')) ? true : undefined), {
      timeoutMs: 15_000,
    });
    // clock runs on the same schedule: two of its runs later, a still-scheduled tick would have run
    // too (and counted a 404 under its name).
    await ready('clock');
    const c0 = await invocations('clock');
    await pollUntil(
      'clock to run twice more',
      async () => ((await invocations('clock')) >= c0 + 2 ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
    assert.ok(!(await cronSeries('tick')), 'tick was invoked after its delete');
    assert.equal(await invocations('later'), 0, 'a yearly schedule ran');

    assert.equal((await deploy('PUT', 'later', '@every 2s')).status, 202);
    await pollUntil(
      'later to run on its new schedule',
      async () => ((await invocations('later')) >= 1 ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
  });
});
