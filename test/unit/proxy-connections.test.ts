import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { FunctionProxy, UpstreamError } from '../../src/http/index.js';
import { ProxyFront, clientRequest, upstream } from '../helpers/proxy-front.js';
import { pollUntil } from '../helpers/wait.js';

const target = (port: number) => () => ({
  host: '127.0.0.1',
  port,
  path: '/p',
  fn: 'fn',
  pool: 'openfaas-fn/fn',
});

/** A raw TCP "function" that answers every request head with `answer`, then maybe closes. */
async function rawFunction(
  answer: string,
  close: boolean,
): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const sockets: Socket[] = [];
  const server = createTcpServer((s) => {
    connections++;
    sockets.push(s);
    let seen = '';
    s.on('data', (c: Buffer) => {
      seen += c.toString('latin1');
      if (!seen.includes('\r\n\r\n')) return;
      seen = '';
      s.write(answer);
      if (close) s.end();
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
}

describe('FunctionProxy connections', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function front(proxy: FunctionProxy, port: number) {
    const f = new ProxyFront(proxy, target(port));
    const url = await f.listen();
    cleanup.push(() => f.close());
    return { f, url };
  }
  async function fn(handle: (req: IncomingMessage, res: ServerResponse) => void) {
    const u = await upstream(handle);
    cleanup.push(() => u.close());
    return u;
  }

  it('keeps one connection alive across requests one after another', async () => {
    const good = await fn((_req, res) => res.end('ok'));
    let connections = 0;
    good.server.on('connection', () => connections++);
    const { f, url } = await front(new FunctionProxy(10_000), good.port);
    for (let i = 0; i < 5; i++) assert.equal(await (await fetch(url)).text(), 'ok');
    assert.equal(connections, 1);
    assert.equal(f.outcomes.length, 5);
  });

  it('a kept-alive connection the function closed while idle is not used again: the next request just works', async () => {
    const good = await fn((_req, res) => res.end('ok'));
    good.server.keepAliveTimeout = 50;
    let closed = 0;
    good.server.on('connection', (s: Socket) => s.on('close', () => closed++));
    const { f, url } = await front(new FunctionProxy(10_000), good.port);
    assert.equal(await (await fetch(url)).text(), 'ok');
    await pollUntil('the function to close the idle connection', async () =>
      closed === 1 ? true : undefined,
    );
    assert.equal(await (await fetch(url)).text(), 'ok');
    assert.deepEqual(f.outcomes, [
      { status: 200, retried: false },
      { status: 200, retried: false },
    ]);
  });

  it('a chunked request body goes out chunked, and a chunked answer comes back whole', async () => {
    const good = await fn((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.write(`te=${req.headers['transfer-encoding']};`);
        res.end(Buffer.concat(chunks));
      });
    });
    const { url } = await front(new FunctionProxy(10_000), good.port);
    const { req, answer } = clientRequest(url, {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked' },
    });
    req.write('one,');
    req.write('two');
    req.end();
    const a = await answer;
    assert.equal(a.status, 200);
    assert.equal(a.body.toString(), 'te=chunked;one,two');
  });

  it('an answer without a length is read until the function closes, on a connection used once', async () => {
    const raw = await rawFunction('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it', true);
    cleanup.push(() => new Promise<void>((resolve) => raw.server.close(() => resolve())));
    const { url } = await front(new FunctionProxy(10_000), raw.port);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url);
      assert.equal(await res.text(), 'all of it');
    }
    assert.equal(raw.connections(), 2);
  });

  it('a malformed answer is a 502, and not sent again', async () => {
    const raw = await rawFunction(
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nok',
      false,
    );
    cleanup.push(() => new Promise<void>((resolve) => raw.server.close(() => resolve())));
    const { f, url } = await front(new FunctionProxy(10_000), raw.port);
    assert.equal((await fetch(url)).status, 502);
    const err = f.outcomes[0]?.error;
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.beforeRequest, false);
    assert.match(err.message, /malformed answer/);
  });

  it('HEAD: the length comes back, no body', async () => {
    const good = await fn((req, res) => {
      res.setHeader('Content-Length', '5');
      res.end(req.method === 'HEAD' ? undefined : 'hello');
    });
    const { url } = await front(new FunctionProxy(10_000), good.port);
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      request(url, { method: 'HEAD', agent: false }, resolve).on('error', reject).end(),
    );
    assert.equal(res.headers['content-length'], '5');
    let bytes = 0;
    for await (const c of res as AsyncIterable<Buffer>) bytes += c.length;
    assert.equal(bytes, 0);
    // The connection carries the next request: no body was left unread on it.
    assert.equal(await (await fetch(url)).text(), 'hello');
  });

  it('a connection paused for a slow client carries the next answer once that one is done', async () => {
    const big = Buffer.alloc(1024 * 1024, 'y');
    const good = await fn((_req, res) => res.end(big));
    let connections = 0;
    good.server.on('connection', () => connections++);
    const { url } = await front(new FunctionProxy(5_000), good.port);
    for (let i = 0; i < 5; i++) {
      // The client reads only after the whole answer was sent its way: the proxy had to pause.
      const res = await new Promise<IncomingMessage>((resolve, reject) =>
        request(url, { agent: false }, resolve).on('error', reject).end(),
      );
      let bytes = 0;
      for await (const c of res as AsyncIterable<Buffer>) bytes += c.length;
      assert.equal(bytes, big.length, `answer ${i}`);
    }
    assert.equal(connections, 1, 'one kept-alive connection carried them all');
  });

  it('an answer header Node will not pass on is a 502 for that request only', async () => {
    const raw = await rawFunction('HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\nok', false);
    cleanup.push(() => new Promise<void>((resolve) => raw.server.close(() => resolve())));
    const { f, url } = await front(new FunctionProxy(10_000), raw.port);
    assert.equal((await fetch(url)).status, 502);
    assert.match(String(f.outcomes[0]?.error?.message), /cannot be passed on/);
  });
});
