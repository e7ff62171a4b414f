import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { execa } from 'execa';
import { startCallbackReceiver, type Callback } from '../helpers/callbacks.js';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { packEchoFunction } from '../helpers/echo-function.js';
import { pollUntil } from '../helpers/wait.js';
import { testStack, type StackVariant, type TestStack } from '../helpers/stack.js';
import { packChainFunction } from '../helpers/chain-function.js';

const IMAGE = 'faasd.test/echo:1';
const CHAIN_IMAGE = 'faasd.test/chain:1';

const VARIANTS: { variant: StackVariant; title: string }[] = [
  { variant: 'daemon', title: 'the default install: one faasd up daemon' },
  {
    variant: 'split',
    title: 'a split deployment: faasd provider + faasd up --no-provider, gateway in a container',
  },
];

/** The whole product as a user runs it: install, up; then a faas-cli session through :8080. */
for (const { variant, title } of VARIANTS)
  describe(`end to end (offline): ${title}`, { skip: needsRoot }, () => {
    let ctd: TestContainerd;
    let stack: TestStack;
    let gw: string;
    let receiver: Server;
    let callbackUrl: string;
    let callbacks: Callback[] = [];

    const startBoth = () => stack.start();
    const stopBoth = async () => {
      const output = `${stack.up?.output().slice(-2000)}\n${stack.providerProc?.output().slice(-2000)}`;
      for (const code of await stack.stopAll()) assert.equal(code, 0, output);
    };
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${gw}${path}`, {
        method,
        headers: { Authorization: stack.auth, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, text: await res.text() };
    };

    before(async () => {
      ctd = await startContainerd(`e2e-${variant}`);
      // Prometheus scrapes every second, so invocationCount moves within the test.
      stack = await testStack(ctd, `e2e-${variant}`, { scrapeSeconds: 1, variant });
      gw = stack.gateway;
      await packEchoFunction(ctd.client.inNamespace(stack.config.functionNamespace), IMAGE);
      await packChainFunction(ctd.client.inNamespace(stack.config.functionNamespace), CHAIN_IMAGE);
      await startBoth();
      // The callback receiver listens on the bridge's own address, which the queue-worker container reaches.
      const cb = await startCallbackReceiver(stack.bridgeIp);
      receiver = cb.server;
      callbacks = cb.received;
      callbackUrl = cb.url;
    });

    after(async () => {
      receiver?.close();
      await stack?.cleanup();
      await ctd?.stop();
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
      // Other containerd clients can read what we made: `ctr -n openfaas-fn containers info NAME`.
      const info = await execa(
        'ctr',
        ['--address', ctd.address, '-n', stack.config.functionNamespace, 'containers', 'info', 'echo'],
        { reject: false },
      );
      assert.equal(info.exitCode, 0, info.stderr);
      assert.match(info.stdout, /"hostname": "echo"/);
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

    it('a function reaches gateway:8080 by name (function chaining)', async () => {
      assert.equal(
        (await api('POST', '/system/functions', { service: 'chain', image: CHAIN_IMAGE })).status,
        202,
      );
      const res = await fetch(`${gw}/function/chain/cgi-bin/chain`);
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.match(text, /^healthz=OK$/m);
      assert.match(text, /^target=\/chained$/m);
      assert.equal((await api('DELETE', '/system/functions', { functionName: 'chain' })).status, 202);
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

    it('secrets, logs and namespaces through the gateway', async () => {
      assert.equal((await api('POST', '/system/secrets', { name: 'api-key', value: 'k3y' })).status, 201);
      assert.deepEqual(JSON.parse((await api('GET', '/system/secrets')).text), [
        { name: 'api-key', namespace: stack.config.functionNamespace },
      ]);
      const fn = { service: 'echo', image: IMAGE, envVars: { GREETING: 'e2e' }, secrets: ['api-key'] };
      assert.equal((await api('PUT', '/system/functions', fn)).status, 202);
      assert.match(await (await fetch(`${gw}/function/echo/with-secret`)).text(), /^secrets=api-key=k3y;$/m);
      const logs = await pollUntil('the invocation in the logs', async () => {
        const text = (await api('GET', '/system/logs?name=echo&tail=20')).text;
        return text.includes('handled GET /with-secret') ? text : undefined;
      });
      assert.match(logs, /"name":"echo"/);
      assert.equal(
        (await api('POST', '/system/namespace/team-e2e', { labels: { team: 'e2e' } })).status,
        201,
      );
      assert.ok((JSON.parse((await api('GET', '/system/namespaces')).text) as string[]).includes('team-e2e'));
      assert.equal((await api('DELETE', '/system/namespace/team-e2e')).status, 202);
    });

    it('cron: a function annotated as cron-connector expects is invoked on its schedule, until deleted', async () => {
      const fn = {
        service: 'ticker',
        image: IMAGE,
        annotations: { topic: 'cron-function', schedule: '@every 2s' },
      };
      assert.equal((await api('POST', '/system/functions', fn)).status, 202);
      // The echo function logs every request it handles; the scheduler POSTs to it, as cron-connector does.
      const runs = async () =>
        (await api('GET', '/system/logs?name=ticker&tail=200')).text
          .split('\n')
          .filter((l) => l.includes('handled POST /')).length;
      await pollUntil(
        'ticker to be run twice by the daemon',
        async () => ((await runs()) >= 2 ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 250,
        },
      );
      assert.equal((await api('DELETE', '/system/functions', { functionName: 'ticker' })).status, 202);
    });

    it('survives a restart of the daemons with the function still answering', async () => {
      await stopBoth();
      await startBoth();
      const res = await fetch(`${gw}/function/echo/after-restart`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^target=\/after-restart$/m);
    });

    it('after a crash (kill -9) faasd up comes back adopting the running core containers', async () => {
      const core = ctd.client.inNamespace(stack.config.namespace);
      const natsPid = (await core.tasks.get('nats'))?.pid;
      assert.ok(natsPid, 'nats runs');
      const crashed = stack.up;
      crashed?.proc.kill('SIGKILL');
      await crashed?.exited;
      await stack.startUp();
      assert.equal((await core.tasks.get('nats'))?.pid, natsPid, 'nats was kept, not replaced');
      assert.match(stack.up?.output() ?? '', /adopted running container service=nats/);
      const res = await fetch(`${gw}/function/echo/after-crash`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^target=\/after-crash$/m);
      // Async still works: the gateway and the worker found NATS where it was.
      const queued = await fetch(`${gw}/async-function/echo/after-crash`, {
        method: 'POST',
        headers: { 'X-Callback-Url': callbackUrl },
        body: 'after-crash',
      });
      assert.equal(queued.status, 202);
      const id = queued.headers.get('x-call-id');
      await pollUntil('the callback after the crash', async () =>
        callbacks.find((c) => c.headers['x-call-id'] === id),
      );
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
      await stopBoth();
    });
  });
