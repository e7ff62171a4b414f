// The data-path thread (issue #12): runs in a worker_thread of the daemon. It accepts on its own
// descriptors of the gateway's listening sockets and serves /function/<name> for functions with ready
// replicas in the main thread's route snapshot; every other request is handed to the main thread's
// full gateway over loopback. What it sees goes back in batches (data-batch.ts).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { FaasdError } from '../errors.js';
import {
  FunctionProxy,
  UpstreamError,
  createLimitedServer,
  guarded,
  parseFunctionPath,
  parseRequestTarget,
  type ServerLimits,
} from '../http/index.js';
import { createLogger } from '../log.js';
import { ConnectionBalance } from './connection-balance.js';
import { BATCH_MS, DataObservations, type DataBatch } from './data-batch.js';
import { RouteTable, type RouteSnapshot } from './route-table.js';
import { duplicateListener, type EchoHelper } from './shared-listener.js';

/** What the main thread gives the thread at start (structured-cloned; `counts` is shared memory). */
export interface DataWorkerData {
  kind: 'faasd-data-path';
  /** The main thread's listening descriptors: each is duplicated (shared-listener.ts), never used itself. */
  listenFds: number[];
  /** The main thread's gateway on loopback: everything this thread does not serve goes there. */
  relayPort: number;
  counts: Int32Array;
  limits: ServerLimits;
  upstreamTimeoutMs: number;
  functionPort: number;
  functionMaxConnections: number;
  defaultNamespace: string;
  echo: EchoHelper;
  /** How long a stop waits for requests in flight before closing their connections. */
  stopGraceMs: number;
}

export type ToDataThread = { routes: RouteSnapshot } | { stop: true };
export type FromDataThread = { listening: true } | { batch: DataBatch } | { stopped: true };

const BASE = 'http://gateway';

export async function runDataPath(d: DataWorkerData, port: MessagePort): Promise<void> {
  const log = createLogger('faasd gateway data-path');
  const routes = new RouteTable();
  const seen = new DataObservations();
  const balance = new ConnectionBalance(d.counts, 1);
  const proxy = new FunctionProxy(d.upstreamTimeoutMs, { socketsPerKey: d.functionMaxConnections });
  // No timeout of its own: the main thread's handler bounds what it serves (log follows run long).
  const relayProxy = new FunctionProxy(0, { socketsPerKey: 256 });
  const post = (m: FromDataThread) => port.postMessage(m);

  const relay = (req: IncomingMessage, res: ServerResponse): Promise<unknown> => {
    const raw = req.url ?? '/';
    const target = raw.startsWith('/') ? undefined : parseRequestTarget(raw, BASE);
    const path = target ? target.pathname + target.search : raw;
    return relayProxy.forward(req, res, {
      host: '127.0.0.1',
      port: d.relayPort,
      path,
      fn: 'gateway',
      pool: 'gateway',
      relay: true,
    });
  };

  // A batch goes BATCH_MS after the first change since the last one — an invocation begun or ended: an
  // end armed nothing before, so a long invocation's end waited for the next one, and the main thread
  // counted it in flight meanwhile (the autoscaler's and scale to zero's input). Idle: no timer.
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  const armFlush = () => {
    flushTimer ??= setTimeout(() => flush(), BATCH_MS);
  };
  const ended = (ns: string, name: string, host: string) => {
    seen.end(ns, name, host);
    armFlush();
  };

  /** One invocation of a routed function, counted as the main thread's gateway.ts counts it. */
  const invoke = async (
    req: IncomingMessage,
    res: ServerResponse,
    ns: string,
    name: string,
    host: string,
    path: string,
  ): Promise<void> => {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    seen.begin(ns, name, host);
    armFlush();
    let code: number;
    try {
      code = await proxy.forward(req, res, {
        host,
        port: d.functionPort,
        path,
        fn: name,
        pool: `${ns}/${name}`,
      });
    } catch (err) {
      ended(ns, name, host);
      if (err instanceof UpstreamError && err.beforeRequest) {
        // Nothing reached the function: the main thread re-resolves, marks the replica, retries and
        // counts the request (as its own invoke.ts does after a refusal).
        seen.refusedAt(ns, name, host);
        routes.drop(ns, name);
        await relay(req, res);
        return;
      }
      seen.observe(`${name}.${ns}`, err instanceof FaasdError ? err.status : 500, seconds());
      throw err;
    }
    ended(ns, name, host);
    seen.observe(`${name}.${ns}`, code, seconds());
  };

  // The invoke path as gateway.ts has it, less what the snapshot already answers: a function in it
  // exists, is in a function namespace and has ready replicas. Anything else goes to the main thread.
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (draining) res.shouldKeepAlive = false;
    else balance.check(req, res);
    const url = req.url ?? '/';
    // As gateway.ts answers it: liveness of the gateway, which this thread is part of (no hop for it).
    if (url === '/healthz') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK\n');
    if (url.startsWith('/function/')) {
      const target = parseRequestTarget(url, BASE);
      const { name, namespace, rest } = parseFunctionPath(target.pathname, '/function/');
      const ns = namespace ?? d.defaultNamespace;
      const host = routes.pick(ns, name);
      if (host) return invoke(req, res, ns, name, host, rest + target.search);
    }
    await relay(req, res);
  };

  const servers: Server[] = [];
  // Stopping: each connection closes after its next answer (`Connection: close`), so no client finds a
  // kept-alive connection closed under a request it has just sent; what is still open after the grace
  // (idle, or a long request) is closed then. Our descriptors only: the main thread's keep accepting.
  let draining = false;
  const sockets = new Set<Socket>();
  let drained: (() => void) | undefined;
  const stop = async (): Promise<void> => {
    draining = true;
    if (sockets.size) {
      await new Promise<void>((resolve) => {
        drained = resolve;
        setTimeout(resolve, d.stopGraceMs).unref();
      });
    }
    for (const s of servers) {
      s.close();
      s.closeAllConnections();
    }
    clearTimeout(flushTimer);
    flush();
    proxy.close();
    relayProxy.close();
    post({ stopped: true });
  };
  const flush = () => {
    flushTimer = undefined;
    const batch = seen.take();
    if (batch) post({ batch });
  };

  port.on('message', (m: ToDataThread) => {
    if ('routes' in m) routes.replace(m.routes);
    else if ('stop' in m) void stop();
  });
  const handler = guarded(handle, log);
  for (const fd of d.listenFds) {
    const handleOfOurOwn = await duplicateListener(fd, d.echo);
    const server = createLimitedServer(handler, d.limits);
    server.on('connection', (socket: Socket) => {
      balance.onConnection(socket);
      sockets.add(socket);
      socket.once('close', () => {
        sockets.delete(socket);
        if (sockets.size === 0) drained?.();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(handleOfOurOwn, () => resolve());
    });
    servers.push(server);
  }
  post({ listening: true });
}

// Started as a worker by data-thread.ts (a file, or eval'd code in the single-file executable).
if (!isMainThread && parentPort && (workerData as Partial<DataWorkerData> | null)?.kind === 'faasd-data-path')
  void runDataPath(workerData as DataWorkerData, parentPort);
