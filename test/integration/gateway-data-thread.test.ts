// The gateway's data-path thread (issue #12) on real sockets: serveGateway as the daemon runs it (both
// threads on one port, the loopback hand-over, the batches), the provider's real invoker and resolver
// over fake stores, and a slow-starting function server on 127.0.0.1. No root needed: no containers.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { LoadTracker } from '../../src/provider/balancer.js';
import { Resolver } from '../../src/provider/resolver.js';
import { DEFAULT_NS, FakeFunctions, quietLogger } from '../helpers/edge-fakes.js';
import { gatewayWithDataThread } from '../helpers/data-thread-gateway.js';
import { pollUntil } from '../helpers/wait.js';

/** The provider's load tracker, counting what reaches it through begin(): only the thread's batches do. */
class CountingLoad extends LoadTracker {
  readonly begun = new Map<string, number>();
  override begin(namespace: string, name: string, address: string): void {
    this.begun.set(name, (this.begun.get(name) ?? 0) + 1);
    super.begin(namespace, name, address);
  }
}

describe('gateway data-path thread', () => {
  const lines: string[] = [];
  const log = quietLogger(lines);
  let fn: Server;
  let gw: RunningGateway;
  let base: string;
  const functions = new FakeFunctions();
  const load = new CountingLoad();
  const resolver = new Resolver(async (ns, name) => {
    const h = functions.hosts.get(`${ns}/${name}`);
    return h ? [h] : [];
  }, load);
  /** Requests to /slow the function saw end because the other side closed before it answered. */
  let slowAborted = 0;
  let slowArrived = 0;

  before(async () => {
    // The function: echoes method, path and body; /wait never answers (a long invocation).
    fn = createServer((req, res) => {
      if (req.url?.startsWith('/wait')) {
        slowArrived++;
        res.on('close', () => {
          if (!res.writableEnded) slowAborted++;
        });
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(Buffer.concat([Buffer.from(`${req.method} ${req.url} `), ...chunks])));
    });
    await new Promise<void>((resolve) => fn.listen(0, '127.0.0.1', resolve));
    const fnPort = (fn.address() as AddressInfo).port;
    for (const name of ['echo', 'slow', 'gone']) functions.hosts.set(`${DEFAULT_NS}/${name}`, '127.0.0.1');
    gw = await gatewayWithDataThread({
      functions,
      resolver,
      functionPort: fnPort,
      log,
      dataPath: { startWhenBusy: false },
    });
    base = `http://127.0.0.1:${gw.port}`;
  });
  after(async () => {
    await gw?.stop();
    fn?.closeAllConnections();
    fn?.close();
  });

  /** One request on a connection of its own. */
  const fresh = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, { ...init, headers: { connection: 'close' } });
    return { status: res.status, text: await res.text() };
  };

  const invocations = async (name: string): Promise<number> => {
    const text = await (await fetch(`${base}/metrics`)).text();
    let n = 0;
    for (const line of text.split('\n'))
      if (line.startsWith(`gateway_function_invocation_total{function_name="${name}.${DEFAULT_NS}"`))
        n += Number(line.slice(line.lastIndexOf(' ') + 1));
    return n;
  };

  it('answers every fresh connection of a batch from both threads, and counts every one', async () => {
    // The first invocation goes through the main thread, which resolves it: from then on it is routed.
    assert.equal((await fresh('/function/echo/first')).status, 200);
    await pollUntil('the route snapshot to reach the thread', async () => {
      const before = load.begun.get('echo') ?? 0;
      await fresh('/function/echo/probe');
      return (await pollUntil(
        'a batch',
        async () => ((load.begun.get('echo') ?? 0) > before ? true : undefined),
        {
          timeoutMs: 1000,
        },
      ).catch(() => undefined))
        ? true
        : undefined;
    });
    const counted = await invocations('echo');
    const byThread = load.begun.get('echo') ?? 0;
    const N = 200;
    for (let i = 0; i < N; i++) {
      const r = await fresh(`/function/echo/n${i}?q=${i}`);
      assert.equal(r.status, 200);
      assert.equal(r.text, `GET /n${i}?q=${i} `, 'path and query passed on');
    }
    await pollUntil(
      "the thread's batches to be counted",
      async () => ((await invocations('echo')) === counted + N ? true : undefined),
      { timeoutMs: 3000 },
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}: counted ${await invocations('echo')}, want ${counted + N}`);
    });
    const served = (load.begun.get('echo') ?? 0) - byThread;
    assert.ok(served > 0 && served < N, `both threads served: the data-path thread ${served} of ${N}`);
    assert.equal(load.load(DEFAULT_NS, 'echo').inflight, 0, 'every begun request ended');
  });

  it('passes a body through either thread', async () => {
    const body = 'x'.repeat(100_000);
    for (let i = 0; i < 20; i++) {
      const r = await fresh('/function/echo/post', { method: 'POST', body });
      assert.equal(r.status, 200);
      assert.equal(r.text, `POST /post ${body}`);
    }
  });

  it('aborts the upstream request when the client goes away, on either thread', async () => {
    assert.equal((await fresh('/function/echo')).status, 200); // (routes settled above)
    await fresh('/function/slow/wait/warm', { signal: AbortSignal.timeout(200) }).catch(() => undefined);
    const start = { arrived: slowArrived, aborted: slowAborted, byThread: load.begun.get('slow') ?? 0 };
    const n = 10;
    for (let i = 0; i < n; i++) {
      const ctl = new AbortController();
      const pending = new Promise<void>((resolve) => {
        const req = request(`${base}/function/slow/wait/${i}`, {
          signal: ctl.signal,
          headers: { connection: 'close' },
        });
        req.on('error', () => resolve());
        req.on('response', (res: IncomingMessage) => res.resume());
        req.end();
      });
      await pollUntil(
        'the function to get the request',
        async () => (slowArrived >= start.arrived + i + 1 ? true : undefined),
        { timeoutMs: 3000 },
      ).catch(() => {
        throw new Error(`arrived ${slowArrived}, want ${start.arrived + i + 1}; ${lines.slice(-5).join('')}`);
      });
      ctl.abort();
      await pending;
      await pollUntil('the function to see the abort', async () =>
        slowAborted >= start.aborted + i + 1 ? true : undefined,
      );
    }
    await pollUntil('the requests to end in the load tracker', async () =>
      load.load(DEFAULT_NS, 'slow').inflight === 0 ? true : undefined,
    );
    assert.ok((load.begun.get('slow') ?? 0) > start.byThread, 'the data-path thread served some of them');
  });

  it('hands a function that is gone to the main thread: 404, and an unknown route too', async () => {
    assert.equal((await fresh('/function/gone')).status, 200);
    functions.hosts.delete(`${DEFAULT_NS}/gone`);
    resolver.invalidate(DEFAULT_NS, 'gone');
    // The snapshot goes to the thread at once; each request on a fresh connection, to reach both threads.
    await pollUntil('both threads to answer 404', async () => {
      for (let i = 0; i < 20; i++) if ((await fresh('/function/gone')).status !== 404) return undefined;
      return true;
    });
    assert.equal((await fresh('/no-such-route')).status, 404);
    assert.equal((await fresh('/healthz')).text, 'OK\n');
  });
});
