import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError } from '../../src/errors.js';
import { createLimitedServer, SERVER_LIMIT_DEFAULTS } from '../../src/http/index.js';
import { LocalBackend, createGatewayHandler } from '../../src/gateway/index.js';
import { createProviderHandler } from '../../src/provider/index.js';
import {
  DEFAULT_NS,
  FakeFunctions,
  FakeNamespaces,
  FakeResolver,
  FakeScaler,
  FakeSecrets,
  quietLogger,
} from '../helpers/edge-fakes.js';
import { FakeBackend, FakeQueue } from '../helpers/daemon-fakes.js';
import { closeServer } from '../helpers/held-function.js';

const credentials = { user: 'admin', password: 'secret' };
const AUTH = `Basic ${Buffer.from('admin:secret').toString('base64')}`;

async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createLimitedServer(handle, SERVER_LIMIT_DEFAULTS);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('gateway handler on a FunctionBackend', () => {
  const backend = new FakeBackend(new Set([`${DEFAULT_NS}/echo`]));
  const queue = new FakeQueue();
  let server: Server | undefined;
  let url = '';
  let close = () => {};

  before(async () => {
    const handler = createGatewayHandler({
      backend,
      credentials,
      scaler: new FakeScaler(new Set([`${DEFAULT_NS}/echo`])),
      queue,
      log: quietLogger(),
      defaultNamespace: DEFAULT_NS,
      prometheusUrl: async () => undefined,
      asyncBodyLimit: 1024,
    });
    close = () => handler.close();
    ({ server, url } = await serve((req, res) => handler.handle(req, res)));
  });
  after(async () => {
    close();
    await closeServer(server);
  });

  it('invokes through the backend with the path and query, in the default namespace', async () => {
    backend.calls.length = 0;
    const res = await fetch(`${url}/function/echo/a/b?x=1`, { method: 'POST', body: 'hi' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'fn=echo path=/a/b?x=1\n');
    assert.deepEqual(backend.calls, [`invoke ${DEFAULT_NS}/echo /a/b?x=1`]);
  });

  it('answers 404 for an unknown function and 400 for a bad name, without invoking', async () => {
    backend.calls.length = 0;
    assert.equal((await fetch(`${url}/function/nope`)).status, 404);
    assert.equal((await fetch(`${url}/function/Bad_Name`)).status, 400);
    assert.deepEqual(backend.calls, []);
  });

  it('checks credentials before /system reaches the backend', async () => {
    backend.calls.length = 0;
    assert.equal((await fetch(`${url}/system/info`)).status, 401);
    const wrong = `Basic ${Buffer.from('admin:nope').toString('base64')}`;
    assert.equal((await fetch(`${url}/system/info`, { headers: { Authorization: wrong } })).status, 401);
    assert.deepEqual(backend.calls, []);
    const res = await fetch(`${url}/system/secrets?namespace=${DEFAULT_NS}`, {
      headers: { Authorization: AUTH },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(backend.calls, [`system GET /system/secrets?namespace=${DEFAULT_NS}`]);
  });

  it('lists from the backend with invocationCount 0 when Prometheus is not there', async () => {
    backend.calls.length = 0;
    const res = await fetch(`${url}/system/functions`, { headers: { Authorization: AUTH } });
    assert.equal(res.status, 200);
    const list = (await res.json()) as { name: string; invocationCount: number }[];
    assert.deepEqual(
      list.map((f) => [f.name, f.invocationCount]),
      [['echo', 0]],
    );
    assert.deepEqual(backend.calls, [`list ${DEFAULT_NS}`]);
    const bad = await fetch(`${url}/system/functions?namespace=kube-system`, {
      headers: { Authorization: AUTH },
    });
    assert.equal(bad.status, 400);
  });

  it('queues an async call whole (body, path, callback) without its credentials, and answers 202', async () => {
    const res = await fetch(`${url}/async-function/echo/job?n=2`, {
      method: 'POST',
      headers: { 'X-Callback-Url': 'http://receiver.test/cb', Authorization: AUTH },
      body: 'payload',
    });
    assert.equal(res.status, 202);
    const q = queue.queued.at(-1);
    assert.equal(q?.callId, res.headers.get('x-call-id'));
    assert.equal(q?.path, '/job');
    assert.equal(q?.query, '?n=2');
    assert.equal(Buffer.from(q?.body ?? '', 'base64').toString(), 'payload');
    assert.equal(q?.callbackUrl, 'http://receiver.test/cb');
    assert.equal(q?.headers.authorization, undefined);
  });

  it('refuses a callback that is not an http(s) URL, queueing nothing', async () => {
    const before = queue.queued.length;
    const res = await fetch(`${url}/async-function/echo`, {
      method: 'POST',
      headers: { 'X-Callback-Url': 'file:///etc/passwd' },
      body: 'x',
    });
    assert.equal(res.status, 400);
    assert.equal(queue.queued.length, before);
  });
});

describe('LocalBackend: the provider in-process', () => {
  const functions = new FakeFunctions();
  functions.hosts.set(`${DEFAULT_NS}/echo`, '10.0.0.2');
  const namespaces = new FakeNamespaces();
  const provider = createProviderHandler({
    logDir: '/nonexistent',
    functions,
    namespaces,
    secrets: new FakeSecrets(),
    credentials,
    resolver: new FakeResolver(functions),
    log: quietLogger(),
  });
  const backend = new LocalBackend({ functions, namespaces, provider });
  after(() => provider.close());

  it('refuses a namespace functions may not use before asking the functions', async () => {
    const cases = [
      { name: 'describe', call: () => backend.describe('echo', 'openfaas') },
      { name: 'scale', call: () => backend.scale('echo', 'kube-system', 1) },
      { name: 'list', call: () => backend.list('openfaas') },
    ];
    for (const c of cases)
      await assert.rejects(c.call(), (e: unknown) => e instanceof InvalidArgumentError, c.name);
  });

  it('describes a function of the default namespace', async () => {
    assert.equal((await backend.describe('echo', DEFAULT_NS)).availableReplicas, 1);
  });

  it('serves /system through the provider routes without a second credential check', async () => {
    const { server, url } = await serve((req, res) => {
      void backend
        .system(req, res, new URL(req.url ?? '/', 'http://gateway'))
        .catch(() => res.writeHead(500).end());
    });
    try {
      // No Authorization header: the gateway has checked it; the provider's routes answer.
      const res = await fetch(`${url}/system/namespaces`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), [DEFAULT_NS]);
      const info = await fetch(`${url}/system/info`);
      assert.equal(((await info.json()) as { provider: string }).provider, 'faasd-ts');
    } finally {
      await closeServer(server);
    }
  });

  it('the provider served on its own still checks credentials', async () => {
    const { server, url } = await serve((req, res) => provider.handle(req, res));
    try {
      assert.equal((await fetch(`${url}/system/namespaces`)).status, 401);
      assert.equal(
        (await fetch(`${url}/system/namespaces`, { headers: { Authorization: AUTH } })).status,
        200,
      );
    } finally {
      await closeServer(server);
    }
  });
});
