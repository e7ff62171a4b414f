import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FunctionStatuses } from '../../src/provider/function-status.js';
import { Readiness } from '../../src/provider/readiness.js';
import { LoadTracker } from '../../src/provider/balancer.js';
import { FakeProbe } from '../helpers/fake-functions.js';
import { FakeStatusHost } from '../helpers/fake-status-host.js';
import { quietLogger } from '../helpers/edge-fakes.js';

const N = 1000;

/** N ready one-replica functions, a memory reader whose answers the test sets, and a clock it moves. */
async function setup() {
  const host = new FakeStatusHost();
  const probe = new FakeProbe();
  probe.answer = { kind: 'status', status: 200 };
  const readiness = new Readiness({
    probe: probe.probe,
    runningPid: () => Promise.resolve(100),
    port: 8080,
    log: quietLogger(),
  });
  for (let i = 0; i < N; i++) {
    host.add(`f${i}`, `10.0.${i >> 8}.${(i & 255) + 1}`);
    readiness.watch('ns', `f${i}`, host.ips.get(`f${i}`) ?? '', 100);
  }
  for (let i = 0; i < N; i++) assert.equal(await readiness.waitReady('ns', `f${i}`, 5000), 'ready');
  const memory = { reads: 0, bytes: 1000, hold: false };
  const clock = { ms: 0 };
  const statuses = new FunctionStatuses({
    host,
    readiness,
    load: new LoadTracker(),
    memoryOf: () => {
      memory.reads++;
      // A held read never settles: a list that waited for it would never answer.
      return memory.hold ? new Promise<number>(() => {}) : Promise.resolve(memory.bytes);
    },
    now: () => clock.ms,
  });
  return { host, statuses, memory, clock };
}

describe('GET /system/functions at N = 1,000 (issue #16)', () => {
  it('makes no per-replica task or address lookup, and reads as before', async () => {
    const { host, statuses } = await setup();
    const list = await statuses.list('ns');
    assert.equal(list.length, N);
    assert.deepEqual(list[7], {
      name: 'f7',
      image: 'example.test/fn:1',
      namespace: 'ns',
      invocationCount: 0,
      replicas: 1,
      availableReplicas: 1,
      createdAt: '2023-11-14T22:13:20.000Z',
      usage: { totalMemoryBytes: 1000 },
    });
    assert.deepEqual(host.calls, { lists: 1, addressReads: 1, ipLookups: 0, taskLookups: 0 });
    await statuses.list('ns');
    assert.deepEqual(host.calls, { lists: 1, addressReads: 2, ipLookups: 0, taskLookups: 0 });
  });

  it('answers with the kept memory reading while a fresh one is read behind it', async () => {
    const { statuses, memory, clock } = await setup();
    await statuses.list('ns');
    assert.equal(memory.reads, N);
    clock.ms = 1000;
    await statuses.list('ns');
    assert.equal(memory.reads, N, 'a reading younger than 2 s is not read again');
    clock.ms = 3000;
    memory.hold = true;
    const list = await statuses.list('ns');
    assert.equal(memory.reads, 2 * N, 'each replica is read again once');
    assert.ok(list.every((f) => f.usage?.totalMemoryBytes === 1000));
    await statuses.list('ns');
    assert.equal(memory.reads, 2 * N, 'a read in flight is not started twice');
  });
});
