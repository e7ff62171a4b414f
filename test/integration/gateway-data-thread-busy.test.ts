// The data-path thread started only under load (issue #12's 80 MB idle goal): it starts while the main
// thread is busy, takes over some of the keep-alive connections that were open before it, and stops
// after a quiet spell. Real sockets on loopback; the provider's invoker and resolver over fake stores.
import assert from 'node:assert/strict';
import { Agent, createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { LoadTracker } from '../../src/provider/balancer.js';
import { Resolver } from '../../src/provider/resolver.js';
import { DEFAULT_NS, FakeFunctions, quietLogger } from '../helpers/edge-fakes.js';
import { gatewayWithDataThread } from '../helpers/data-thread-gateway.js';
import { pollUntil } from '../helpers/wait.js';

/** Counts the thread's requests: only its batches reach the tracker through begin(). */
class CountingLoad extends LoadTracker {
  begun = 0;
  override begin(namespace: string, name: string, address: string): void {
    this.begun++;
    super.begin(namespace, name, address);
  }
}

describe('gateway data-path thread, started under load', () => {
  const lines: string[] = [];
  let fn: Server;
  let gw: RunningGateway;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const load = new CountingLoad();

  before(async () => {
    fn = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => fn.listen(0, '127.0.0.1', resolve));
    const functions = new FakeFunctions();
    functions.hosts.set(`${DEFAULT_NS}/echo`, '127.0.0.1');
    const resolver = new Resolver(async () => ['127.0.0.1'], load);
    gw = await gatewayWithDataThread({
      functions,
      resolver,
      functionPort: (fn.address() as AddressInfo).port,
      log: quietLogger(lines),
      dataPath: {
        trigger: {
          sampleMs: 100,
          busyAbove: 0.3,
          busySamples: 2,
          minInvocationsPerSecond: 100,
          idleStopMs: 1000,
        },
      },
    });
  });
  after(async () => {
    agent.destroy();
    await gw?.stop();
    fn?.close();
  });

  /** One request on the agent's 8 keep-alive connections. */
  const call = () =>
    new Promise<number>((resolve, reject) =>
      get(`http://127.0.0.1:${gw.port}/function/echo`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      }).on('error', reject),
    );

  it('starts while the main thread is busy, moves connections to it, and stops when quiet', async () => {
    assert.equal(await call(), 200);
    assert.ok(!lines.some((l) => l.includes('data-path thread listening')), 'not started while idle');
    // Eight requests at a time on the eight kept-alive connections until the thread has served some:
    // bounded in time by the deadline, and in requests by it too.
    await pollUntil(
      'the data-path thread to serve requests',
      async () => {
        for (let round = 0; round < 50; round++) {
          const codes = await Promise.all(Array.from({ length: 8 }, call));
          assert.deepEqual(new Set(codes), new Set([200]));
        }
        return load.begun > 0 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 10 },
    );
    assert.ok(lines.some((l) => l.includes('main thread busy; starting the data-path thread')));
    await pollUntil('the thread to stop when quiet', async () =>
      lines.some((l) => l.includes('quiet; stopping the data-path thread')) ? true : undefined,
    );
    assert.equal(await call(), 200, 'the main thread serves alone again');
  });
});
