// DataThread's lifecycle with stand-in thread code (real worker threads; no sockets): a thread that
// dies is restarted a bounded number of times, and what it had in flight is ended on the main side.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { balanceCounters } from '../../src/gateway/connection-balance.js';
import { DataThread, type RouteSource } from '../../src/gateway/data-thread.js';
import { SERVER_LIMIT_DEFAULTS } from '../../src/http/index.js';
import { quietLogger } from '../helpers/edge-fakes.js';
import { pollUntil } from '../helpers/wait.js';

/** The resolver as the thread sees it: no routes; load calls recorded. */
class FakeRoutes implements RouteSource {
  readonly calls: string[] = [];
  onChange(): () => void {
    return () => undefined;
  }
  cachedRoutes(): { namespace: string; name: string; addresses: string[] }[] {
    return [];
  }
  readonly load = {
    begin: (ns: string, name: string, address: string) =>
      void this.calls.push(`begin ${ns}/${name}@${address}`),
    end: (ns: string, name: string, address: string) => void this.calls.push(`end ${ns}/${name}@${address}`),
    isDraining: () => false,
  };
}

/** What the stand-in threads are given (they use only the cap). */
const SETTINGS = {
  limits: SERVER_LIMIT_DEFAULTS,
  upstreamTimeoutMs: 1000,
  functionPort: 8080,
  functionMaxConnections: 1,
  defaultNamespace: 'ns',
  stopGraceMs: 100,
};

// Listens, reports two requests begun on one replica, then dies (as an uncaught error would end it).
const DIES = `
const { parentPort } = require('node:worker_threads');
parentPort.postMessage({ listening: true });
parentPort.postMessage({ batch: { metrics: [], refused: [],
  load: [{ namespace: 'ns', name: 'a', address: '10.0.0.2', begun: 2, ended: 0 }] } });
parentPort.once('message', () => process.exit(3));
`;

test('a thread that dies is restarted at most maxRestarts times; its requests in flight are ended', async () => {
  const lines: string[] = [];
  const routes = new FakeRoutes();
  const counts = balanceCounters();
  const thread = new DataThread({
    listeners: [],
    relayPort: 1,
    counts,
    routes,
    sink: { merge: () => undefined, refused: () => undefined },
    settings: SETTINGS,
    log: quietLogger(lines),
    code: { eval: DIES },
    maxRestarts: 2,
  });
  // Each start pushes the route snapshot, which the stand-in takes as its cue to die.
  await thread.start();
  await pollUntil('the thread to be given up', async () =>
    lines.some((l) => l.includes('not restarted')) ? true : undefined,
  );
  assert.equal(lines.filter((l) => l.includes('restarting it')).length, 2);
  const begun = routes.calls.filter((c) => c.startsWith('begin')).length;
  const ended = routes.calls.filter((c) => c.startsWith('end')).length;
  assert.equal(begun, 6, 'three threads, two requests each');
  assert.equal(ended, begun, 'every request a dead thread had in flight is ended');
  assert.equal(Atomics.load(counts, 2), 0, 'the balance is off: the main thread serves alone');
  await thread.start();
  assert.equal(
    routes.calls.filter((c) => c.startsWith('begin')).length,
    6,
    'given up: a later start (a busy main thread) starts nothing',
  );
  await thread.stop();
});

// Listens, then reports the connection cap it was given as a request begun on a replica named by it.
const TELLS_CAP = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.postMessage({ listening: true });
parentPort.postMessage({ batch: { metrics: [], refused: [],
  load: [{ namespace: 'cap', name: String(workerData.limits.maxConnections), address: 'x', begun: 1, ended: 1 }] } });
parentPort.on('message', (m) => m.stop && process.exit(0));
`;

test('the port keeps one connection cap: the thread takes half of it while it serves, and gives it back', async () => {
  const routes = new FakeRoutes();
  // The main thread's listener as limits.ts left it (its cap from the descriptor limit, here 1,001).
  const listener = { maxConnections: 1001, _handle: { fd: -1 } };
  const thread = new DataThread({
    listeners: [listener],
    relayPort: 1,
    counts: balanceCounters(),
    routes,
    sink: { merge: () => undefined, refused: () => undefined },
    settings: SETTINGS,
    log: quietLogger([]),
    code: { eval: TELLS_CAP },
  });
  await thread.start();
  await pollUntil("the thread's cap", async () => (routes.calls.length > 0 ? true : undefined));
  assert.deepEqual(routes.calls, ['begin cap/500@x', 'end cap/500@x'], 'the thread was given 500');
  assert.equal(listener.maxConnections, 501, 'the main thread keeps the rest');
  await thread.stop();
  assert.equal(listener.maxConnections, 1001, 'alone again: the whole cap');
});
