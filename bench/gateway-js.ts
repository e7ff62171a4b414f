// bench/gateway-js: the JavaScript cost of one invocation, without a single syscall: the clients' and the
// function's connections are in-memory streams and the function answers "ok" at once, so what is left is
// our code, undici's and Node's HTTP (no kernel, no other process). Each layer of the invoke path is
// measured on its own, to show what it adds:
//   undici   a bare undici Pool.dispatch (the floor: the server, undici, nothing of ours)
//   proxy    FunctionProxy.forward (header filtering both ways, client-abort handling)
//   invoker  the provider's FunctionInvoker (namespace check, resolver, balancer, in-flight counts)
//   gateway  the in-process gateway (scaler cache, metrics, portal history) on top of the invoker
// bench/gateway-loopback.ts measures the whole path on loopback with wrk; this one moves with a change to
// the hot path's JavaScript and far less with the machine's load. Bundle it as the daemon runs (esbuild,
// no tsx helpers) for figures comparable to production; tsx adds ~20 % of its own.
// Usage: node --import tsx bench/gateway-js.ts [REQUESTS] [ROUNDS] [undici,proxy,invoker,gateway]
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { Pool } from 'undici';
import { FunctionProxy } from '../src/http/index.js';
import { createProviderHandler } from '../src/provider/index.js';
import { Resolver } from '../src/provider/resolver.js';
import { LocalBackend, Scaler, createGatewayHandler } from '../src/gateway/index.js';
import {
  DEFAULT_NS,
  FakeFunctions,
  FakeNamespaces,
  FakeSecrets,
  quietLogger,
} from '../test/helpers/edge-fakes.js';
import { median } from './stats.js';

const requests = Number(process.argv[2] ?? 50_000);
const rounds = Number(process.argv[3] ?? 5);
if (!Number.isInteger(requests) || requests < 1000 || requests > 10_000_000)
  throw new RangeError(`requests ${process.argv[2]} is invalid: use 1000..10000000`);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50)
  throw new RangeError(`rounds ${process.argv[3]} is invalid: use 1..50`);
const LAYERS = ['undici', 'proxy', 'invoker', 'gateway'] as const;
type Layer = (typeof LAYERS)[number];
const layers = (process.argv[4]?.split(',') ?? LAYERS) as Layer[];
for (const l of layers)
  if (!LAYERS.includes(l)) throw new RangeError(`layer ${l} is invalid: use ${LAYERS.join(', ')}`);

const CONNECTIONS = 8; // as wrk -c8 in bench/run
const FN_HOST = '192.0.2.1'; // TEST-NET-1: never dialled; net.connect answers it in memory (below)
const FN_PORT = 8080;
const OK = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok',
  'latin1',
);
const REQUEST = Buffer.from('GET /function/fn HTTP/1.1\r\nHost: gateway:8080\r\n\r\n', 'latin1');

/** One end of an in-memory connection: a write arrives at `peer` in a later turn of the loop, as from a socket. */
class MemorySocket extends Duplex {
  peer: MemorySocket | undefined;
  remoteAddress = '127.0.0.1';
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const peer = this.peer;
    setImmediate(() => peer?.push(chunk));
    done();
  }
  override _final(done: () => void): void {
    const peer = this.peer;
    setImmediate(() => peer?.push(null));
    done();
  }
  // What net.Socket has and undici or node:http call.
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

function pair(): [MemorySocket, MemorySocket] {
  const a = new MemorySocket();
  const b = new MemorySocket();
  [a.peer, b.peer] = [b, a];
  return [a, b];
}

/** Calls `each` for every complete `marker`-terminated message that arrives on `sock`. */
function onMessages(sock: MemorySocket, marker: string, each: () => void): void {
  let pending = '';
  sock.on('data', (c: Buffer) => {
    pending += c.toString('latin1');
    let end: number;
    while ((end = pending.indexOf(marker)) >= 0) {
      pending = pending.slice(end + marker.length);
      each();
    }
  });
}

// undici dials with net.connect: the function's address gets an in-memory connection to a function that
// answers every request head at once; any other address is dialled as usual.
const realConnect = net.connect.bind(net) as (...args: unknown[]) => net.Socket;
(net as { connect: unknown }).connect = (...args: unknown[]) => {
  if ((args[0] as { host?: string } | undefined)?.host !== FN_HOST) return realConnect(...args);
  const [client, fn] = pair();
  onMessages(fn, '\r\n\r\n', () => fn.write(OK));
  setImmediate(() => client.emit('connect'));
  return client;
};

type Handle = (req: IncomingMessage, res: ServerResponse) => void;

function handlerFor(layer: Layer, closers: (() => void)[]): Handle {
  const fail = (res: ServerResponse) => () => res.destroy();
  if (layer === 'undici') {
    const pool = new Pool(`http://${FN_HOST}:${FN_PORT}`, { connections: 256, pipelining: 1 });
    closers.push(() => void pool.destroy());
    const head = ['Content-Type', 'text/plain', 'Content-Length', '2'];
    return (_req, res) =>
      pool.dispatch(
        { path: '/', method: 'GET', headers: [] },
        {
          onConnect: () => undefined,
          onError: (err) => res.destroy(err),
          onHeaders: (status) => (res.writeHead(status, head), true),
          onData: (chunk) => res.write(chunk),
          onComplete: () => res.end(),
        },
      );
  }
  if (layer === 'proxy') {
    const proxy = new FunctionProxy(60_000);
    closers.push(() => proxy.close());
    const target = { host: FN_HOST, port: FN_PORT, path: '/', fn: 'fn', pool: `${DEFAULT_NS}/fn` };
    return (req, res) => void proxy.forward(req, res, target).catch(fail(res));
  }
  const functions = new FakeFunctions();
  functions.hosts.set(`${DEFAULT_NS}/fn`, FN_HOST);
  const namespaces = new FakeNamespaces();
  const log = quietLogger();
  const credentials = { user: 'admin', password: 'secret' };
  const provider = createProviderHandler({
    logDir: '/nonexistent',
    functions,
    namespaces,
    secrets: new FakeSecrets(),
    resolver: new Resolver(async () => [FN_HOST]),
    credentials,
    log,
    functionPort: FN_PORT,
  });
  closers.push(() => provider.close());
  if (layer === 'invoker') {
    const target = { name: 'fn', namespace: DEFAULT_NS, path: '/' };
    return (req, res) => void provider.invoker.invoke(req, res, target).catch(fail(res));
  }
  const backend = new LocalBackend({ functions, namespaces, provider });
  const gateway = createGatewayHandler({
    backend,
    credentials,
    scaler: new Scaler(backend, { cacheMs: 60_000, timeoutMs: 5000, pollMs: 50 }),
    queue: undefined,
    log,
    defaultNamespace: DEFAULT_NS,
    prometheusUrl: undefined,
    asyncBodyLimit: 1024,
  });
  return (req, res) => gateway.handle(req, res);
}

/** `n` requests over CONNECTIONS kept-alive connections, one at a time on each, as wrk sends them. */
function drive(server: Server, n: number): Promise<void> {
  let sent = 0;
  let answered = 0;
  return new Promise((resolve) => {
    for (let i = 0; i < CONNECTIONS; i++) {
      const [client, serverSide] = pair();
      server.emit('connection', serverSide);
      onMessages(client, '\r\n\r\nok', () => {
        if (++answered === n) return resolve();
        if (sent < n) {
          sent++;
          client.write(REQUEST);
        }
      });
      sent++;
      client.write(REQUEST);
    }
  });
}

for (const layer of layers) {
  const closers: (() => void)[] = [];
  const server = createServer(handlerFor(layer, closers));
  await drive(server, 5000); // warm: connections open, code optimised
  const perRequest: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const cpu = process.cpuUsage();
    await drive(server, requests);
    const used = process.cpuUsage(cpu);
    perRequest.push((used.user + used.system) / requests);
  }
  const all = perRequest.map((x) => x.toFixed(1)).join(' ');
  process.stdout.write(
    `${layer.padEnd(8)} ${median(perRequest).toFixed(1)} us CPU/req (median; rounds ${all})\n`,
  );
  for (const close of closers) close();
  server.close();
}
