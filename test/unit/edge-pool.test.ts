import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLimitedServer, SERVER_LIMIT_DEFAULTS } from '../../src/http/index.js';
import { createProviderHandler } from '../../src/provider/index.js';
import { createGatewayHandler } from '../../src/gateway/index.js';
import { HttpBackend } from '../../src/gateway/http-backend.js';
import {
  DEFAULT_NS,
  FakeFunctions,
  FakeNamespaces,
  FakeResolver,
  FakeScaler,
  FakeSecrets,
  quietLogger,
} from '../helpers/edge-fakes.js';
import { HeldFunction, answeringServer, closeServer } from '../helpers/held-function.js';
import { pollUntil } from '../helpers/wait.js';

/** Above the old shared Agent's 256 sockets, still a bounded number. */
const HELD_CALLS = 300;
const PER_FUNCTION = 256;
const credentials = { user: 'admin', password: 'secret' };

interface Answer {
  status: number;
  body: string;
}

/** One GET on a connection of its own; `deadlineMs` fails it (never a pass) when no answer comes. */
function get(url: string, deadlineMs = 60_000): { done: Promise<Answer>; abort(): void } {
  const req = request(url, { agent: false, signal: AbortSignal.timeout(deadlineMs) });
  const done = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  req.end();
  return { done, abort: () => req.destroy() };
}

async function listen(s: Server): Promise<string> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe('provider: one connection pool per function (issue #17 item 2)', () => {
  const slow = new HeldFunction();
  let fast: Server | undefined;
  let server: Server | undefined;
  let close = () => {};
  let url = '';

  before(async () => {
    const port = await slow.listen('127.0.0.1');
    // Another function on the same port at another loopback address, as two containers on the bridge.
    fast = await answeringServer('127.0.0.2', port, 'fast\n');
    const functions = new FakeFunctions();
    functions.hosts.set(`${DEFAULT_NS}/slow`, '127.0.0.1');
    functions.hosts.set(`${DEFAULT_NS}/fast`, '127.0.0.2');
    const handler = createProviderHandler({
      logDir: '/nonexistent',
      functions,
      namespaces: new FakeNamespaces(),
      secrets: new FakeSecrets(),
      resolver: new FakeResolver(functions),
      credentials,
      log: quietLogger(),
      functionPort: port,
    });
    close = () => handler.close();
    server = createLimitedServer((req, res) => handler.handle(req, res), SERVER_LIMIT_DEFAULTS);
    url = await listen(server);
  });
  after(async () => {
    close();
    await Promise.all([slow.close(), closeServer(fast), closeServer(server)]);
  });

  it('closes the upstream connection when the client goes away', async () => {
    const call = get(`${url}/function/slow`);
    const failed = call.done.then(
      () => false,
      () => true,
    );
    await pollUntil('the function to hold the call', async () => (slow.held === 1 ? true : undefined));
    call.abort();
    assert.equal(await failed, true);
    // Seen on the function's side: its request's connection closed before it answered.
    await pollUntil('the upstream request to be aborted', async () =>
      slow.abandoned === 1 && slow.held === 0 ? true : undefined,
    );
  });

  it(`answers another function while ${HELD_CALLS} calls hold a slow one`, async () => {
    const calls = Array.from({ length: HELD_CALLS }, () => get(`${url}/function/slow`).done);
    await pollUntil('the slow function to hold its pool full', async () =>
      slow.held === PER_FUNCTION ? true : undefined,
    );
    const other = await get(`${url}/function/fast`, 10_000).done;
    assert.deepEqual(other, { status: 200, body: 'fast\n' });
    assert.equal(slow.held, PER_FUNCTION, 'the slow function never gets more than its own pool');
    slow.release();
    const answers = await Promise.all(calls);
    assert.equal(answers.filter((a) => a.status === 200 && a.body === 'held\n').length, HELD_CALLS);
  });
});

describe('gateway: one pool per function on the hop to the provider (issue #17 item 2)', () => {
  // Stands for the provider: holds /function/slow.*, answers the rest at once.
  const provider = new HeldFunction((req) => (req.url ?? '').startsWith('/function/slow.'));
  let server: Server | undefined;
  let close = () => {};
  let url = '';

  before(async () => {
    const port = await provider.listen('127.0.0.1');
    const handler = createGatewayHandler({
      backend: new HttpBackend({
        url: `http://127.0.0.1:${port}`,
        authorization: '',
        upstreamTimeoutMs: 60_000,
      }),
      credentials,
      scaler: new FakeScaler(new Set([`${DEFAULT_NS}/slow`, `${DEFAULT_NS}/fast`])),
      queue: undefined,
      log: quietLogger(),
      defaultNamespace: DEFAULT_NS,
      prometheusUrl: undefined,
      asyncBodyLimit: 1024,
    });
    close = () => handler.close();
    server = createLimitedServer((req, res) => handler.handle(req, res), SERVER_LIMIT_DEFAULTS);
    url = await listen(server);
  });
  after(async () => {
    close();
    await Promise.all([provider.close(), closeServer(server)]);
  });

  it('closes the upstream connection when the client goes away', async () => {
    const call = get(`${url}/function/slow`);
    const failed = call.done.then(
      () => false,
      () => true,
    );
    await pollUntil('the provider to hold the call', async () => (provider.held === 1 ? true : undefined));
    call.abort();
    assert.equal(await failed, true);
    await pollUntil('the upstream request to be aborted', async () =>
      provider.abandoned === 1 && provider.held === 0 ? true : undefined,
    );
  });

  it(`answers another function while ${HELD_CALLS} calls hold a slow one`, async () => {
    const calls = Array.from({ length: HELD_CALLS }, () => get(`${url}/function/slow`).done);
    await pollUntil('the slow function to hold its pool full', async () =>
      provider.held === PER_FUNCTION ? true : undefined,
    );
    const other = await get(`${url}/function/fast`, 10_000).done;
    assert.deepEqual(other, { status: 200, body: 'fast\n' });
    assert.equal(provider.held, PER_FUNCTION);
    provider.release();
    const answers = await Promise.all(calls);
    assert.equal(answers.filter((a) => a.status === 200 && a.body === 'held\n').length, HELD_CALLS);
  });
});
