import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { startCallbackReceiver, type Callback } from '../helpers/callbacks.js';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { packEchoFunction } from '../helpers/echo-function.js';
import { testProvider, type TestProvider } from '../helpers/provider.js';
import { startNats, type TestNats } from '../helpers/nats.js';
import { pollUntil } from '../helpers/wait.js';
import { runFaasd, type FaasdProcess } from '../helpers/faasd-process.js';
import { startGateway } from '../../src/gateway/index.js';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { REQUEST_STREAM } from '../../src/queue/index.js';

const IMAGE = 'faasd.test/echo:1';

describe('gateway and queue-worker', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let p: TestProvider;
  let nats: TestNats;
  let gw: RunningGateway;
  let gwUrl: string;
  let receiver: Server;
  let callbackUrl: string;
  let callbacks: Callback[] = [];
  const workers: FaasdProcess[] = [];

  /** `auth`: the Authorization header to send; '' sends none. */
  const api = async (method: string, path: string, body?: unknown, auth: string = p.auth) => {
    const res = await fetch(`${gwUrl}${path}`, {
      method,
      headers: {
        ...(auth ? { Authorization: auth } : {}),
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: await res.text(), headers: res.headers };
  };
  const startWorker = async (): Promise<FaasdProcess> => {
    const w = runFaasd(['queue-worker'], {
      FAASD_NATS_URL: nats.url,
      FAASD_GATEWAY_URL: gwUrl,
      FAASD_ACK_WAIT_MS: '3000',
      FAASD_MAX_INFLIGHT: '2',
    });
    workers.push(w);
    await pollUntil(
      'the queue-worker to consume',
      async () => (w.output().includes('consuming') ? true : undefined),
      { timeoutMs: 30_000 },
    );
    return w;
  };
  const streamState = async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(REQUEST_STREAM);
      const consumers = await jsm.consumers.list(REQUEST_STREAM).next();
      return {
        lastSeq: info.state.last_seq,
        messages: info.state.messages,
        pending: consumers.reduce((n, c) => n + c.num_pending + c.num_ack_pending, 0),
      };
    } finally {
      await nc.close();
    }
  };

  before(async () => {
    ctd = await startContainerd('gateway');
    p = await testProvider(ctd, 'gateway');
    await packEchoFunction(ctd.client.inNamespace(p.config.functionNamespace), IMAGE);
    await p.start();
    nats = await startNats();
    gw = await startGateway({
      port: 0,
      host: '127.0.0.1',
      providerUrl: p.url,
      natsUrl: nats.url,
      prometheusUrl: undefined,
      secretsDir: join(p.config.stateDir, 'secrets'),
      defaultNamespace: p.config.functionNamespace,
      upstreamTimeoutMs: 30_000,
      scaleFromZeroTimeoutMs: 20_000,
    });
    gwUrl = `http://127.0.0.1:${gw.port}`;
    const cb = await startCallbackReceiver('127.0.0.1');
    receiver = cb.server;
    callbacks = cb.received;
    callbackUrl = cb.url;
  });
  after(async () => {
    for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
    receiver?.close();
    await gw?.stop();
    await nats?.stop();
    await p?.cleanup();
    await ctd?.stop();
  });

  it('checks credentials on every /system route and forwards them to the provider', async () => {
    for (const path of [
      '/system/functions',
      '/system/info',
      '/system/secrets',
      '/system/namespaces',
      '/system/function/x',
    ]) {
      assert.equal((await api('GET', path, undefined, '')).status, 401, path);
      assert.equal(
        (await api('GET', path, undefined, `Basic ${Buffer.from('admin:wrong').toString('base64')}`)).status,
        401,
        path,
      );
    }
    assert.equal((await api('GET', '/system/info')).status, 200);
    assert.equal((await fetch(`${gwUrl}/healthz`)).status, 200);
  });

  it('deploys, lists, describes and invokes through the gateway; unknown functions are 404', async () => {
    assert.equal(
      (await api('POST', '/system/functions', { service: 'echo', image: IMAGE, envVars: { GREETING: 'gw' } }))
        .status,
      202,
    );
    const list = JSON.parse((await api('GET', '/system/functions')).text) as {
      name: string;
      invocationCount: number;
    }[];
    assert.deepEqual(
      list.map((f) => f.name),
      ['echo'],
    );
    assert.equal(list[0]?.invocationCount, 0);
    assert.equal((await api('GET', '/system/function/echo')).status, 200);
    const res = await fetch(`${gwUrl}/function/echo/hello?q=1`, { method: 'POST', body: 'sync-body' });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /^target=\/hello\?q=1$/m);
    assert.match(text, /^body=sync-body$/m);
    assert.match(text, /^greeting=gw$/m);
    assert.equal((await fetch(`${gwUrl}/function/nothere`)).status, 404);
    const metrics = await (await fetch(`${gwUrl}/metrics`)).text();
    assert.match(
      metrics,
      new RegExp(
        `gateway_function_invocation_total\\{function_name="echo.${p.config.functionNamespace}",code="200"\\} 1`,
      ),
    );
  });

  it('scales from zero on invocation', async () => {
    assert.equal(
      (await api('POST', '/system/scale-function/echo', { serviceName: 'echo', replicas: 0 })).status,
      202,
    );
    const d = JSON.parse((await api('GET', '/system/function/echo')).text) as { availableReplicas: number };
    assert.equal(d.availableReplicas, 0);
    const res = await fetch(`${gwUrl}/function/echo/after-zero`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^target=\/after-zero$/m);
  });

  it('async: 202 with X-Call-Id, then one callback with the function result', async () => {
    await startWorker();
    const res = await fetch(`${gwUrl}/async-function/echo/job?n=1`, {
      method: 'POST',
      headers: { 'X-Callback-Url': callbackUrl },
      body: 'async-body',
    });
    assert.equal(res.status, 202);
    const callId = res.headers.get('x-call-id') ?? '';
    assert.match(callId, /^[0-9a-f-]{36}$/);
    const cb = await pollUntil(
      'the callback',
      async () => callbacks.find((c) => c.headers['x-call-id'] === callId),
      { timeoutMs: 30_000 },
    );
    assert.equal(cb.headers['x-function-name'], 'echo');
    assert.equal(cb.headers['x-function-status'], '200');
    assert.match(String(cb.headers['x-duration-seconds']), /^\d+\.\d+$/);
    assert.match(cb.body, /^target=\/job\?n=1$/m);
    assert.match(cb.body, /^body=async-body$/m);
  });

  it('refuses a malformed callback URL with 400 and queues nothing', async () => {
    const before = await streamState();
    const res = await fetch(`${gwUrl}/async-function/echo`, {
      method: 'POST',
      headers: { 'X-Callback-Url': 'not a url' },
      body: 'x',
    });
    assert.equal(res.status, 400);
    assert.equal((await streamState()).lastSeq, before.lastSeq);
  });

  it('a queue-worker killed mid-invocation: after a restart, exactly one 2xx callback per call id', async () => {
    for (const w of workers) w.proc.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    const worker = await startWorker();
    const res = await fetch(`${gwUrl}/async-function/echo/slow-job`, {
      method: 'POST',
      headers: { 'X-Callback-Url': callbackUrl },
      body: 'k',
    });
    const callId = res.headers.get('x-call-id') ?? '';
    // Kill once the function has started on the request (its log says so).
    await pollUntil(
      'the slow invocation to start',
      async () =>
        (await api('GET', '/system/logs?name=echo')).text.includes('start POST /slow-job') ? true : undefined,
      {
        timeoutMs: 20_000,
      },
    );
    worker.proc.kill('SIGKILL');
    await worker.exited;
    assert.equal(callbacks.filter((c) => c.headers['x-call-id'] === callId).length, 0);
    await startWorker();
    await pollUntil(
      'the callback after redelivery',
      async () => callbacks.find((c) => c.headers['x-call-id'] === callId),
      { timeoutMs: 30_000 },
    );
    // Nothing left to deliver: the count is final.
    await pollUntil(
      'the stream to drain',
      async () => ((await streamState()).pending === 0 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    const mine = callbacks.filter((c) => c.headers['x-call-id'] === callId);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]?.headers['x-function-status'], '200');
  });
});
