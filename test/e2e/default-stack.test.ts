import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { execa } from 'execa';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { packEchoFunction } from '../helpers/echo-function.js';
import { freePort } from '../helpers/registry.js';
import { pollUntil } from '../helpers/wait.js';
import { runFaasd, type FaasdProcess } from '../helpers/faasd-process.js';
import { resolveConfig } from '../../src/config/index.js';
import { install } from '../../src/install/index.js';
import { gatewayOf, networkFromConfig } from '../../src/network/index.js';
import { ContainerRuntime } from '../../src/runtime/index.js';
import { readFile } from 'node:fs/promises';

const IMAGE = 'faasd.test/echo:1';

/** The whole product as a user runs it: install, provider, up; then a faas-cli session through :8080. */
describe('default stack end to end (offline)', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let root: string;
  let env: Record<string, string>;
  let gw: string;
  let auth: string;
  let receiver: Server;
  let callbackUrl: string;
  const callbacks: { headers: IncomingHttpHeaders; body: string }[] = [];
  const procs: FaasdProcess[] = [];
  let provider: FaasdProcess;
  let up: FaasdProcess;

  const started = async (args: string[], ready: string): Promise<FaasdProcess> => {
    const p = runFaasd(args, env);
    procs.push(p);
    const early = p.exited.then((c) => {
      throw new Error(`faasd ${args[0]} exited (${c}): ${p.output().slice(-3000)}`);
    });
    early.catch(() => undefined);
    await pollUntil(
      `faasd ${args[0]} to be ready`,
      async () => (p.output().includes(ready) ? true : undefined),
      { timeoutMs: 120_000, early },
    );
    return p;
  };
  const startBoth = async () => {
    provider = await started(['provider', '--listen', gatewayOf(env.FAASD_SUBNET ?? '')], 'listening');
    up = await started(
      ['up', '--compose', join(env.FAASD_STATE_DIR ?? '', 'docker-compose.yaml')],
      'stack is up',
    );
    await pollUntil(
      'the gateway /healthz',
      async () => ((await fetch(`${gw}/healthz`)).ok ? true : undefined),
      { timeoutMs: 60_000 },
    );
  };
  const stop = async (p: FaasdProcess) => {
    p.proc.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output().slice(-2000));
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gw}${path}`, {
      method,
      headers: { Authorization: auth, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  };

  before(async () => {
    ctd = await startContainerd('e2e');
    root = await mkdtemp('/tmp/faasd-test-e2e-');
    const t = randomBytes(2).toString('hex');
    env = {
      FAASD_CONTAINERD_ADDRESS: ctd.address,
      FAASD_NAMESPACE: `core${t}`,
      FAASD_FUNCTION_NAMESPACE: `fn${t}`,
      FAASD_STATE_DIR: join(root, 'var/lib/faasd'),
      FAASD_PROVIDER_DIR: join(root, 'var/lib/faasd-provider'),
      FAASD_BRIDGE: `fe2e${t}`,
      FAASD_SUBNET: `10.203.${randomBytes(1)[0] ?? 1}.0/24`,
      FAASD_CNI_PATH: '/usr/lib/cni:/opt/cni/bin',
      FAASD_GATEWAY_BIND: '127.0.0.1',
      FAASD_GATEWAY_PORT: String(await freePort()),
      FAASD_PROMETHEUS_PORT: String(await freePort()),
    };
    const config = resolveConfig({}, env, {});
    const quiet = new Writable({ write: (_c, _e, cb) => cb() });
    await install({
      config: { ...config, stateDir: '/var/lib/faasd', providerDir: '/var/lib/faasd-provider' },
      root,
      start: false,
      out: quiet,
    });
    // Scrape every second, so invocationCount moves within the test.
    const prom = join(env.FAASD_STATE_DIR ?? '', 'prometheus.yml');
    await writeFile(
      prom,
      (await readFile(prom, 'utf8')).replace(/scrape_interval: 15s/, 'scrape_interval: 1s'),
    );
    const password = (
      await readFile(join(env.FAASD_STATE_DIR ?? '', 'secrets/basic-auth-password'), 'utf8')
    ).trim();
    auth = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
    gw = `http://127.0.0.1:${env.FAASD_GATEWAY_PORT}`;
    await packEchoFunction(ctd.client.inNamespace(config.functionNamespace), IMAGE);
    // The callback receiver listens on the bridge's own address, which the queue-worker container reaches.
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        callbacks.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      });
    });
    await startBoth();
    const port = await freePort();
    await new Promise<void>((r) => receiver.listen(port, gatewayOf(env.FAASD_SUBNET ?? ''), () => r()));
    callbackUrl = `http://${gatewayOf(env.FAASD_SUBNET ?? '')}:${port}/callback`;
  });

  after(async () => {
    receiver?.close();
    for (const p of procs) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
    if (env) {
      const config = resolveConfig({}, env, {});
      const network = networkFromConfig(config);
      const runtime = new ContainerRuntime(ctd.client, {
        logDir: join(root, 'logs'),
        network,
        stopGraceMs: 200,
      });
      for (const ns of await ctd.client.namespaces.list()) {
        for (const c of await ctd.client.inNamespace(ns.name).containers.list())
          await runtime.remove(ns.name, c.id).catch(() => undefined);
      }
      await network.reconcile(async () => false).catch(() => undefined);
      await execa('ip', ['link', 'del', config.bridge], { reject: false });
    }
    await ctd?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('login, deploy (PUT then POST), list, describe, invoke', async () => {
    assert.equal((await fetch(`${gw}/system/functions`)).status, 401);
    const fn = { service: 'echo', image: IMAGE, envVars: { GREETING: 'e2e' } };
    assert.equal((await api('PUT', '/system/functions', fn)).status, 404);
    assert.equal((await api('POST', '/system/functions', fn)).status, 202);
    assert.equal((await api('GET', '/system/function/echo')).status, 200);
    const res = await fetch(`${gw}/function/echo/hi?x=1`, { method: 'POST', body: 'e2e-body' });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(text, /^greeting=e2e$/m);
    assert.match(text, /^body=e2e-body$/m);
  });

  it('list: invocationCount rises after invocations (from Prometheus)', async () => {
    for (let i = 0; i < 3; i++) await (await fetch(`${gw}/function/echo`)).text();
    await pollUntil(
      'invocationCount >= 4',
      async () => {
        const list = JSON.parse((await api('GET', '/system/functions')).text) as {
          name: string;
          invocationCount: number;
        }[];
        return (list.find((f) => f.name === 'echo')?.invocationCount ?? 0) >= 4 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  it('async with a callback', async () => {
    const res = await fetch(`${gw}/async-function/echo/job`, {
      method: 'POST',
      headers: { 'X-Callback-Url': callbackUrl },
      body: 'async',
    });
    assert.equal(res.status, 202);
    const id = res.headers.get('x-call-id');
    const cb = await pollUntil(
      'the callback',
      async () => callbacks.find((c) => c.headers['x-call-id'] === id),
      { timeoutMs: 60_000 },
    );
    assert.equal(cb.headers['x-function-status'], '200');
    assert.match(cb.body, /^body=async$/m);
  });

  it('survives a restart of both daemons with the function still answering', async () => {
    await stop(up);
    await stop(provider);
    await startBoth();
    const res = await fetch(`${gw}/function/echo/after-restart`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^target=\/after-restart$/m);
  });

  it('scale to zero, then an invocation answers; remove', async () => {
    assert.equal(
      (await api('POST', '/system/scale-function/echo', { serviceName: 'echo', replicas: 0 })).status,
      202,
    );
    const res = await fetch(`${gw}/function/echo/from-zero`);
    assert.equal(res.status, 200);
    assert.equal((await api('DELETE', '/system/functions', { functionName: 'echo' })).status, 202);
    assert.equal((await fetch(`${gw}/function/echo`)).status, 404);
    await stop(up);
    await stop(provider);
  });
});
