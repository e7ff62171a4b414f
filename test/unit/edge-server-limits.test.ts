import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { createLimitedServer, type ServerLimits } from '../../src/http/index.js';
import { connectionsForFdLimit } from '../../src/http/limits.js';
import { resolveConfig, serverLimitsOf } from '../../src/config/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { closeServer } from '../helpers/held-function.js';
import { pollUntil } from '../helpers/wait.js';

const servers: Server[] = [];
const sockets: Socket[] = [];

async function start(limits: ServerLimits): Promise<{ server: Server; port: number }> {
  const server = createLimitedServer((_req, res) => res.end('OK\n'), limits);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A raw connection; `closed` resolves with everything the server sent before it closed. */
function open(port: number): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let got = '';
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => (got += c));
  socket.on('error', () => undefined); // a reset is one way of being closed
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve(got))) };
}

describe('HTTP server limits (issue #17 item 3)', () => {
  after(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map(closeServer));
  });

  it('closes a connection whose headers do not finish within the headers timeout, with a 408', async () => {
    const { port } = await start({
      headersTimeoutMs: 300,
      requestTimeoutMs: 5000,
      keepAliveTimeoutMs: 5000,
      maxConnections: 10,
    });
    const c = open(port);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // never the blank line
    let sent: string | undefined;
    void c.closed.then((s) => (sent = s));
    // A deadline, not a threshold: Node's defaults (60 s, checked every 30 s) would not close it in time.
    await pollUntil('the server to close the slow connection', async () => sent, { timeoutMs: 10_000 });
    assert.match(sent ?? '', /^HTTP\/1\.1 408 /);
  });

  it('refuses connections over the cap, and serves again once one is free', async () => {
    const { server, port } = await start({
      headersTimeoutMs: 60_000,
      requestTimeoutMs: 120_000,
      keepAliveTimeoutMs: 60_000,
      maxConnections: 3,
    });
    const held = [open(port), open(port), open(port)];
    for (const h of held) h.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // slow clients
    const count = () => new Promise<number>((r) => server.getConnections((_e, n) => r(n)));
    await pollUntil('three connections held', async () => ((await count()) === 3 ? true : undefined));
    const over = open(port);
    over.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(await over.closed, '', 'the connection over the cap gets no answer');
    held[0]?.socket.destroy();
    await pollUntil('a slot to free up', async () => ((await count()) === 2 ? true : undefined));
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'OK\n');
  });

  it('refuses a headers timeout above the request timeout, naming the setting', () => {
    assert.throws(
      () =>
        createLimitedServer(() => undefined, {
          headersTimeoutMs: 2000,
          requestTimeoutMs: 1000,
          keepAliveTimeoutMs: 1000,
          maxConnections: 1,
        }),
      (e: unknown) => e instanceof InvalidArgumentError && e.field === 'httpHeadersTimeoutMs',
    );
  });

  it('derives the connection cap from the file-descriptor limit', () => {
    const cases = [
      {
        name: 'a 1024 soft limit',
        input: 'Max open files            1024                 4096                 files',
        want: 480,
      },
      {
        name: 'a large limit is capped',
        input: 'Max open files            1048576              1048576              files',
        want: 8192,
      },
      {
        name: 'unlimited',
        input: 'Max open files            unlimited            unlimited            files',
        want: 8192,
      },
      {
        name: 'a tiny limit keeps a floor',
        input: 'Max open files            64                   64                   files',
        want: 16,
      },
      { name: 'no /proc', input: '', want: 8192 },
    ];
    for (const c of cases) assert.equal(connectionsForFdLimit(c.input), c.want, c.name);
  });

  it('reads the limits from the configuration (environment)', () => {
    const cfg = resolveConfig(
      {},
      {
        FAASD_HTTP_HEADERS_TIMEOUT_MS: '5000',
        FAASD_HTTP_REQUEST_TIMEOUT_MS: '60000',
        FAASD_HTTP_KEEPALIVE_TIMEOUT_MS: '70000',
        FAASD_HTTP_MAX_CONNECTIONS: '100',
        FAASD_FUNCTION_MAX_CONNECTIONS: '32',
      },
      {},
    );
    assert.deepEqual(serverLimitsOf(cfg), {
      headersTimeoutMs: 5000,
      requestTimeoutMs: 60_000,
      keepAliveTimeoutMs: 70_000,
      maxConnections: 100,
    });
    assert.equal(cfg.functionMaxConnections, 32);
    for (const [key, value, field] of [
      ['FAASD_HTTP_HEADERS_TIMEOUT_MS', 'soon', 'httpHeadersTimeoutMs'],
      ['FAASD_HTTP_MAX_CONNECTIONS', '-1', 'httpMaxConnections'],
      ['FAASD_FUNCTION_MAX_CONNECTIONS', '0', 'functionMaxConnections'],
    ] as const) {
      assert.throws(
        () => resolveConfig({}, { [key]: value }, {}),
        (e: unknown) => e instanceof InvalidArgumentError && e.field === field,
        key,
      );
    }
  });
});
