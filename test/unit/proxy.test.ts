import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { FunctionProxy, UpstreamError } from '../../src/http/index.js';
import { ClientClosedError } from '../../src/http/proxy-errors.js';
import { ProxyPools, POOL_DEFAULTS } from '../../src/http/pool.js';
import { ProxyFront, clientRequest, closedPort, upstream } from '../helpers/proxy-front.js';
import { pollUntil } from '../helpers/wait.js';

type Upstream = Awaited<ReturnType<typeof upstream>>;

/** Echoes what arrived: method, url, headers and body, as JSON. */
function echo(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Fn': 'yes' });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
  });
}

const target =
  (port: number, pool = 'openfaas-fn/fn') =>
  () => ({
    host: '127.0.0.1',
    port,
    path: '/echo?x=1',
    fn: 'fn',
    pool,
  });

describe('FunctionProxy', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function front(
    proxy: FunctionProxy,
    first: () => ReturnType<ReturnType<typeof target>>,
    second?: typeof first,
  ) {
    const f = new ProxyFront(proxy, first, second);
    const url = await f.listen();
    cleanup.push(() => f.close());
    return { f, url };
  }
  async function fn(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Upstream> {
    const u = await upstream(handle);
    cleanup.push(() => u.close());
    return u;
  }

  it('forwards method, path, headers and body (hop-by-hop and Expect dropped) and the answer back', async () => {
    const good = await fn(echo);
    const { f, url } = await front(new FunctionProxy(10_000), target(good.port));
    const { req, answer } = clientRequest(`${url}/ignored`, {
      method: 'POST',
      headers: {
        'Content-Length': '5',
        'X-Custom': 'kept',
        'Keep-Alive': 'timeout=5',
        'X-Forwarded-Host': 'spoofed',
        Expect: '100-continue', // curl sends it for bodies over 1 KiB; Node's server has answered it
      },
    });
    req.on('continue', () => req.end('hello'));
    const a = await answer;
    assert.equal(a.status, 200);
    const seen = JSON.parse(a.body.toString()) as {
      method: string;
      url: string;
      body: string;
      headers: Record<string, string>;
    };
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/echo?x=1');
    assert.equal(seen.body, 'hello');
    assert.equal(seen.headers['x-custom'], 'kept');
    assert.equal(seen.headers['x-forwarded-host'], url.replace('http://', ''));
    assert.equal(seen.headers['host'], `127.0.0.1:${good.port}`);
    for (const h of ['expect', 'keep-alive']) assert.equal(seen.headers[h], undefined, h);
    assert.deepEqual(f.outcomes, [{ status: 200, retried: false }]);
  });

  it('passes repeated answer headers back as they came', async () => {
    const good = await fn(echo);
    const { url } = await front(new FunctionProxy(10_000), target(good.port));
    const res = await fetch(url);
    assert.equal(res.headers.get('x-fn'), 'yes');
    assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
    await res.arrayBuffer();
  });

  it('a refused connect is safe to send again: the body goes whole to the other replica', async () => {
    const good = await fn(echo);
    const { f, url } = await front(new FunctionProxy(10_000), target(await closedPort()), target(good.port));
    const { req, answer } = clientRequest(url, { method: 'POST', headers: { 'Content-Length': '5' } });
    req.end('hello');
    const a = await answer;
    assert.equal((JSON.parse(a.body.toString()) as { body: string }).body, 'hello');
    assert.deepEqual(f.outcomes, [{ status: 200, retried: true }]);
  });

  it('a bodiless request reset before an answer is safe to send again, and was sent once', async () => {
    let received = 0;
    const dying = await fn((req) => {
      received++;
      req.socket.destroy();
    });
    const good = await fn(echo);
    const { f, url } = await front(new FunctionProxy(10_000), target(dying.port), target(good.port));
    const { req, answer } = clientRequest(url);
    req.end();
    assert.equal((await answer).status, 200);
    assert.equal(received, 1, 'the proxy did not send it again on its own');
    assert.deepEqual(f.outcomes, [{ status: 200, retried: true }]);
  });

  it('a connection that breaks while the body is awaited: sent again, with the whole body', async () => {
    // The proxy writes the request head with the first byte of the body, so a break before it (a kept-alive
    // connection the function closed) has sent nothing: the first replica here only accepts and closes.
    const sockets: Socket[] = [];
    const dying = createTcpServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => dying.listen(0, '127.0.0.1', () => resolve()));
    cleanup.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => dying.close(() => resolve()));
    });
    const good = await fn(echo);
    let connections = 0;
    good.server.on('connection', () => connections++);
    const { f, url } = await front(
      new FunctionProxy(10_000),
      target((dying.address() as AddressInfo).port),
      target(good.port),
    );
    const { req, answer } = clientRequest(url, { method: 'POST', headers: { 'Content-Length': '5' } });
    req.flushHeaders();
    await pollUntil('the proxy to connect to the first replica', async () => sockets[0]);
    sockets[0]?.destroy();
    await pollUntil('the retry to connect to the other replica', async () =>
      connections === 1 ? true : undefined,
    );
    req.end('hello');
    assert.equal((JSON.parse((await answer).body.toString()) as { body: string }).body, 'hello');
    assert.deepEqual(f.outcomes, [{ status: 200, retried: true }]);
  });

  it('a reset after the body was read is not safe to send again, and was sent once', async () => {
    let received = 0;
    const dying = await fn((req) => {
      received++;
      req.resume();
      req.on('end', () => req.socket.destroy());
    });
    let other = 0;
    const good = await fn((req, res) => {
      other++;
      echo(req, res);
    });
    const { f, url } = await front(new FunctionProxy(10_000), target(dying.port), target(good.port));
    const { req, answer } = clientRequest(url, { method: 'POST', headers: { 'Content-Length': '5' } });
    req.end('hello');
    assert.equal((await answer).status, 502);
    assert.deepEqual([received, other], [1, 0]);
    const err = f.outcomes[0]?.error;
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.beforeRequest, false);
  });

  it('no answer in time: neither a bodiless request nor one with a body is sent again', async () => {
    const held: ServerResponse[] = [];
    let received = 0;
    const silent = await fn((req, res) => {
      received++;
      req.resume();
      held.push(res);
    });
    let other = 0;
    const good = await fn((req, res) => {
      other++;
      echo(req, res);
    });
    const { f, url } = await front(new FunctionProxy(200), target(silent.port), target(good.port));
    const get = clientRequest(url);
    get.req.end();
    assert.equal((await get.answer).status, 502);
    const post = clientRequest(url, { method: 'POST', headers: { 'Content-Length': '5' } });
    post.req.end('hello');
    assert.equal((await post.answer).status, 502);
    assert.deepEqual([received, other], [2, 0], 'each reached the silent function once, the other never');
    for (const outcome of f.outcomes.slice(0, 2)) {
      const err = outcome?.error;
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.beforeRequest, false);
      assert.match(err.message, /no answer in 200 ms/);
    }
  });

  it('an answer that breaks half-way reaches the client broken, and is not sent again', async () => {
    const breaking = await fn((_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('partial', () => res.socket?.destroy());
    });
    const good = await fn(echo);
    const { f, url } = await front(new FunctionProxy(10_000), target(breaking.port), target(good.port));
    const { req, answer } = clientRequest(url);
    req.end();
    await assert.rejects(answer);
    await pollUntil('the outcome', async () => f.outcomes[0]);
    const err = f.outcomes[0]?.error;
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.beforeRequest, false);
    assert.equal(f.outcomes[0]?.retried, false);
  });

  it('a client that goes away aborts the upstream request', async () => {
    const held: ServerResponse[] = [];
    let closed = 0;
    const slow = await fn((_req, res) => {
      held.push(res);
      res.once('close', () => closed++);
    });
    const { f, url } = await front(new FunctionProxy(60_000), target(slow.port));
    const { req, answer } = clientRequest(url);
    answer.catch(() => undefined);
    req.end();
    await pollUntil('the function to hold the call', async () => (held.length === 1 ? true : undefined));
    req.destroy();
    await pollUntil('the upstream request to be closed', async () => (closed === 1 ? true : undefined));
    await pollUntil('the outcome', async () => f.outcomes[0]);
    assert.ok(f.outcomes[0]?.error instanceof ClientClosedError);
  });

  it('a client that goes away while its request waits for a connection: the request is never sent', async () => {
    const held: ServerResponse[] = [];
    const urls: string[] = [];
    const slow = await fn((req, res) => {
      urls.push(req.url ?? '');
      held.push(res);
    });
    // One connection: the second request queues behind the first.
    const { f, url } = await front(new FunctionProxy(10_000, { socketsPerKey: 1 }), target(slow.port));
    const first = clientRequest(url);
    first.req.end();
    await pollUntil('the first call to be held', async () => (held.length === 1 ? true : undefined));
    const second = clientRequest(url);
    second.answer.catch(() => undefined);
    second.req.end();
    await pollUntil('the second call to reach the proxy', async () =>
      f.responses.length === 2 ? true : undefined,
    );
    second.req.destroy();
    await pollUntil('the second outcome', async () => f.outcomes.find((o) => o.error));
    for (const r of held.splice(0)) r.end('ok');
    assert.equal((await first.answer).status, 200);
    const third = clientRequest(url);
    third.req.end();
    // The third request goes out after the aborted one left the queue: had that been sent, it came first.
    await pollUntil('the third call', async () => (held.length === 1 ? true : undefined));
    held[0]?.end('ok');
    assert.equal((await third.answer).status, 200);
    assert.equal(urls.length, 2, 'the function saw the first and the third request only');
    assert.ok(f.outcomes.find((o) => o.error)?.error instanceof ClientClosedError);
  });

  it('streams a large answer to a slow client with backpressure (bounded buffering)', async () => {
    const total = 32 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 120);
    let sent = 0;
    let waiting = false;
    const big = await fn((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(total) });
      const pump = () => {
        waiting = false;
        while (sent < total) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            waiting = true;
            return void res.once('drain', pump);
          }
        }
        res.end();
      };
      pump();
    });
    const { f, url } = await front(new FunctionProxy(10_000), target(big.port));
    // Not clientRequest: that one reads the answer as it comes.
    const req = request(url, { agent: false, signal: AbortSignal.timeout(30_000) });
    const response = new Promise<IncomingMessage>((resolve, reject) =>
      req.on('response', resolve).on('error', reject),
    );
    req.end();
    const res = await response; // not read yet: the client is slow
    await pollUntil('the function to be held back', async () =>
      waiting && f.responses[0]?.writableNeedDrain ? true : undefined,
    );
    assert.ok(sent < total, `the function was held back at ${sent} of ${total} bytes`);
    let received = 0;
    for await (const c of res as AsyncIterable<Buffer>) received += c.length;
    assert.equal(received, total);
    const bound = (f.responses[0]?.writableHighWaterMark ?? 0) + 128 * 1024;
    assert.ok(f.maxBuffered <= bound, `the proxy buffered at most ${f.maxBuffered} bytes (bound ${bound})`);
  });
});

describe('ProxyPools', () => {
  it('keeps at most maxPools, dropping the least recently used idle one, never a busy one', async () => {
    const pools = new ProxyPools({ ...POOL_DEFAULTS, maxPools: 2 });
    const a = pools.get('ns/a', '127.0.0.1', 1);
    pools.get('ns/b', '127.0.0.1', 1);
    a.inFlight = 1; // busy: kept although least recently used
    pools.get('ns/c', '127.0.0.1', 1);
    assert.equal(pools.size, 2);
    assert.equal(pools.inFlight('ns/a'), 1);
    assert.equal(pools.get('ns/a', '127.0.0.1', 1), a, 'the busy pool was kept');
    a.inFlight = 0;
    pools.get('ns/d', '127.0.0.1', 1); // over the bound again: c is now the oldest idle one
    assert.equal(pools.size, 2);
    assert.equal(pools.get('ns/a', '127.0.0.1', 1), a);
    pools.close();
    assert.equal(pools.size, 0);
  });

  it('drops a pool nothing used for idleDropMs at a sweep, never a busy one', () => {
    // Sweeps every 10 s: 30 s is three sweeps.
    const pools = new ProxyPools({ ...POOL_DEFAULTS, idleDropMs: 30_000 });
    const idle = pools.get('ns/idle', '127.0.0.1', 1);
    const used = pools.get('ns/used', '127.0.0.1', 1);
    const busy = pools.get('ns/busy', '127.0.0.1', 1);
    busy.inFlight = 1;
    for (let i = 0; i < 3; i++) {
      pools.sweep();
      pools.get('ns/used', '127.0.0.1', 1);
    }
    assert.equal(pools.size, 3, 'nothing is dropped before idleDropMs');
    pools.sweep();
    assert.equal(pools.size, 2);
    assert.notEqual(pools.get('ns/idle', '127.0.0.1', 1), idle, 'the idle pool was dropped (a new one now)');
    assert.equal(pools.get('ns/used', '127.0.0.1', 1), used);
    assert.equal(pools.get('ns/busy', '127.0.0.1', 1), busy);
    pools.close();
  });
});

// The error classes the gateway maps to statuses: a client gone is 499 (recorded, never sent), a
// function not reached 502.
describe('proxy errors', () => {
  it('carry their status', () => {
    assert.equal(new ClientClosedError('fn').status, 499);
    assert.equal(new UpstreamError('fn', 'x').status, 502);
  });
});
