import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Endpoints } from '../../src/provider/endpoints.js';
import { Readiness } from '../../src/provider/readiness.js';
import { LoadTracker } from '../../src/provider/balancer.js';
import { ChangeGuard } from '../../src/provider/changes.js';
import { Liveness } from '../../src/provider/liveness.js';
import { NotReadyError } from '../../src/provider/function-errors.js';
import { groupsOf } from '../../src/provider/function-records.js';
import { FakeFunctionTasks, FakeProbe } from '../helpers/fake-functions.js';
import { FakeStatusHost } from '../helpers/fake-status-host.js';
import { quietLogger } from '../helpers/edge-fakes.js';

/** Two adopted replicas after a restart: "ready" answers its probe, "sick" runs and answers 503. */
async function setup() {
  const host = new FakeStatusHost();
  host.add('ready', '10.0.0.2', 100);
  host.add('sick', '10.0.0.3', 101);
  const ok = new FakeProbe();
  ok.answer = { kind: 'status', status: 200 };
  const sick = new FakeProbe();
  sick.answer = { kind: 'status', status: 503 };
  const readiness = new Readiness({
    probe: (ip) => (ip === '10.0.0.2' ? ok.probe() : sick.probe()),
    runningPid: (_ns, id) => Promise.resolve(host.tasks.get(id)?.pid),
    port: 8080,
    log: quietLogger(),
  });
  // What reconcile does for each running replica it adopts.
  readiness.watch('ns', 'ready', '10.0.0.2', 100);
  readiness.watch('ns', 'sick', '10.0.0.3', 101);
  assert.equal(await readiness.waitReady('ns', 'ready', 5000), 'ready');
  const guard = new ChangeGuard();
  const resolver = { invalidate: () => {} };
  const endpoints = new Endpoints({
    host,
    readiness,
    load: new LoadTracker(),
    guard,
    live: new Liveness({
      fns: new FakeFunctionTasks(),
      guard,
      namespaces: { list: () => Promise.resolve(['ns']) },
      resolver,
      log: quietLogger(),
    }),
    log: quietLogger(),
    group: async (_ns, name) => groupsOf(await host.cache.list('ns')).get(name),
    wake: () => Promise.resolve(),
    readyTimeoutMs: 300,
  });
  // The sick replica is probed until it is forgotten: each test ends its watches.
  const done = () => {
    readiness.forget('ns', 'ready');
    readiness.forget('ns', 'sick');
  };
  return { host, endpoints, done };
}

describe('invocations after a daemon restart (issue #16)', () => {
  it('go to an adopted replica known ready without asking containerd for its task', async () => {
    const { host, endpoints, done } = await setup();
    try {
      assert.equal(await endpoints.endpoint('ready', 'ns', false), '10.0.0.2');
      assert.deepEqual(await endpoints.readyAddresses('ns', 'ready'), ['10.0.0.2']);
      assert.equal(host.calls.taskLookups, 0);
    } finally {
      done();
    }
  });

  it('never go to a replica that runs but is not ready: a NotReadyError after the wait', async () => {
    const { endpoints, done } = await setup();
    try {
      assert.deepEqual(await endpoints.readyAddresses('ns', 'sick'), []);
      await assert.rejects(endpoints.endpoint('sick', 'ns', false), NotReadyError);
    } finally {
      done();
    }
  });
});
