import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ChangeGuard } from '../../src/provider/changes.js';
import {
  MAX_SLOTS,
  checkReplicas,
  freeSlot,
  groupFunctions,
  instanceLabels,
  maxReplicas,
  nextGeneration,
  primaryOf,
} from '../../src/provider/instances.js';
import { Readiness, isReadyAnswer, type ProbeAnswer } from '../../src/provider/readiness.js';
import { ConflictError, InvalidArgumentError } from '../../src/errors.js';
import { FUNCTION_LABEL, REPLICAS_LABEL } from '../../src/provider/deployment.js';
import { createLogger } from '../../src/log.js';
import { FakeProbe } from '../helpers/fake-functions.js';

const quiet = createLogger('test', new PassThrough());

describe("a function's containers (instances.ts)", () => {
  it('takes the first free slot: NAME, then NAME.1, NAME.2, ...', () => {
    for (const { taken, want } of [
      { taken: [], want: 'f' },
      { taken: ['f'], want: 'f.1' },
      { taken: ['f', 'f.1'], want: 'f.2' },
      { taken: ['f.1'], want: 'f' },
      { taken: ['f', 'f.2', 'other'], want: 'f.1' },
    ]) {
      assert.equal(freeSlot('f', new Set(taken)), want, JSON.stringify(taken));
    }
    const all = new Set(['f', ...Array.from({ length: MAX_SLOTS - 1 }, (_, i) => `f.${i + 1}`)]);
    assert.throws(() => freeSlot('f', all), /no free container slot/);
    assert.ok(freeSlot('a'.repeat(63), new Set([`${'a'.repeat(63)}`])).length <= 76);
    const many = new Set([
      'a'.repeat(63),
      ...Array.from({ length: MAX_SLOTS - 2 }, (_, i) => `${'a'.repeat(63)}.${i + 1}`),
    ]);
    assert.ok(freeSlot('a'.repeat(63), many).length <= 76, 'the last slot ID fits containerd');
  });

  it('groups by function: serving = highest non-pending generation; old ones stale; pending apart', () => {
    const c = (id: string, name: string, generation: number, pending = false) => ({
      id,
      labels: instanceLabels(name, 1, generation, pending),
    });
    const legacy = { id: 'old', labels: { [FUNCTION_LABEL]: 'old', [REPLICAS_LABEL]: '1' } };
    const groups = groupFunctions([
      c('f', 'f', 1),
      c('f.1', 'f', 2),
      c('f.2', 'f', 3, true),
      c('g', 'g', 1, true),
      legacy,
      { id: 'unrelated', labels: {} },
    ]);
    assert.deepEqual([...groups.keys()].sort(), ['f', 'g', 'old']);
    const f = groups.get('f');
    assert.deepEqual(
      f?.serving.map((x) => x.id),
      ['f.1'],
    );
    assert.deepEqual(
      f?.stale.map((x) => x.id),
      ['f'],
    );
    assert.deepEqual(
      f?.pending.map((x) => x.id),
      ['f.2'],
    );
    assert.equal(f && nextGeneration(f), 4);
    assert.equal(groups.get('g')?.serving.length, 0, 'a pending container alone is not serving');
    const old = groups.get('old');
    assert.equal(old && primaryOf(old)?.id, 'old', 'a container made by an older version serves');
    assert.equal(old && nextGeneration(old), 1);
  });

  it('bounds replicas by com.openfaas.scale.max (default 20)', () => {
    assert.equal(maxReplicas(undefined), 20);
    assert.equal(maxReplicas({ 'com.openfaas.scale.max': '5' }), 5);
    assert.equal(maxReplicas({ 'com.openfaas.scale.max': 'lots' }), 20);
    assert.equal(maxReplicas({ 'com.openfaas.scale.max': '0' }), 20);
    for (const ok of [0, 1, 20]) assert.equal(checkReplicas(ok, 20), ok);
    for (const bad of [1e308, -1, 21, 1.5, '1', null, Number.NaN]) {
      assert.throws(
        () => checkReplicas(bad, 20),
        (e: unknown) => e instanceof InvalidArgumentError && e.field === 'replicas' && e.status === 400,
        String(bad),
      );
    }
  });
});

describe('one change at a time (ChangeGuard)', () => {
  it('a second API change of the same name is a 409 and runs nothing; other names are free', async () => {
    const g = new ChangeGuard();
    let release = () => {};
    const first = g.change('ns', 'f', 'update', () => new Promise<void>((r) => (release = r)));
    let ran = false;
    await assert.rejects(
      g.change('ns', 'f', 'delete', async () => void (ran = true)),
      (e: unknown) => e instanceof ConflictError && e.status === 409 && e.busyWith === 'update',
    );
    assert.equal(ran, false);
    assert.equal(await g.change('ns', 'other', 'deploy', async () => 'ok'), 'ok');
    assert.equal(g.busy('ns', 'f'), true);
    release();
    await first;
    assert.equal(g.busy('ns', 'f'), false);
    assert.equal(await g.change('ns', 'f', 'delete', async () => 'now'), 'now');
  });

  it('two scales to the same count share one change; a different count is a 409', async () => {
    const g = new ChangeGuard();
    let runs = 0;
    let release = () => {};
    const a = g.change(
      'ns',
      'f',
      'scale',
      async () => {
        runs++;
        await new Promise<void>((r) => (release = r));
      },
      '1',
    );
    const b = g.change('ns', 'f', 'scale', async () => void runs++, '1');
    await assert.rejects(
      g.change('ns', 'f', 'scale', async () => undefined, '0'),
      ConflictError,
    );
    release();
    await Promise.all([a, b]);
    assert.equal(runs, 1);
  });

  it('internal work waits behind an API change; an API change waits behind internal work (no 409)', async () => {
    const g = new ChangeGuard();
    const order: string[] = [];
    let release = () => {};
    const api = g.change('ns', 'f', 'update', async () => {
      await new Promise<void>((r) => (release = r));
      order.push('update');
    });
    const internal = g.internal('ns', 'f', async () => void order.push('start'));
    await new Promise((r) => setImmediate(r));
    assert.equal(order.length, 0, 'nothing ran yet');
    release();
    await Promise.all([api, internal]);
    assert.deepEqual(order, ['update', 'start']);
    let done = () => {};
    const restart = g.internal('ns', 'f', () => new Promise<void>((r) => (done = r)));
    const del = g.change('ns', 'f', 'delete', async () => void order.push('delete'));
    await new Promise((r) => setImmediate(r));
    done();
    await Promise.all([restart, del]);
    assert.deepEqual(order, ['update', 'start', 'delete']);
  });
});

describe('readiness', () => {
  it('ready: the port answers HTTP and /_/health is not 503 (404 from a plain server counts)', () => {
    const cases: { a: ProbeAnswer; want: boolean }[] = [
      { a: { kind: 'refused' }, want: false },
      { a: { kind: 'no-answer' }, want: false },
      { a: { kind: 'status', status: 503 }, want: false },
      { a: { kind: 'status', status: 200 }, want: true },
      { a: { kind: 'status', status: 404 }, want: true },
      { a: { kind: 'status', status: 429 }, want: true },
    ];
    for (const { a, want } of cases) assert.equal(isReadyAnswer(a), want, JSON.stringify(a));
  });

  const tracker = (probe: FakeProbe, pid: { v: number | undefined }) =>
    new Readiness({
      probe: probe.probe,
      runningPid: () => Promise.resolve(pid.v),
      port: 8080,
      log: quiet,
      firstMs: 1,
      maxMs: 2,
      sleep: () => new Promise((r) => setImmediate(r)),
    });

  it('probes a started task until ready; waiters are served then; a new pid is not ready', async () => {
    const probe = new FakeProbe();
    const pid = { v: 7 as number | undefined };
    const r = tracker(probe, pid);
    r.watch('ns', 'f', '10.0.0.2', 7);
    assert.equal(r.isReady('ns', 'f', 7), false);
    const waiting = r.waitReady('ns', 'f', 60_000);
    while (probe.probes < 3) await new Promise((res) => setImmediate(res));
    probe.answer = { kind: 'status', status: 503 }; // the watchdog is up, its function is not
    const seen = probe.probes;
    while (probe.probes < seen + 2) await new Promise((res) => setImmediate(res));
    assert.equal(r.isReady('ns', 'f', 7), false);
    probe.answer = { kind: 'status', status: 200 };
    assert.equal(await waiting, 'ready');
    assert.equal(r.isReady('ns', 'f', 7), true);
    assert.equal(r.isReady('ns', 'f', 8), false, 'another task of the container is not ready');
  });

  it('a refused connect marks it not ready and probes again, never more; the task keeps its pid', async () => {
    const probe = new FakeProbe();
    probe.answer = { kind: 'status', status: 200 };
    const r = tracker(probe, { v: 7 });
    r.watch('ns', 'f', '10.0.0.2', 7);
    assert.equal(await r.waitReady('ns', 'f', 60_000), 'ready');
    probe.answer = { kind: 'refused' };
    r.suspect('ns', 'f');
    assert.equal(r.isReady('ns', 'f', 7), false);
    const back = r.waitReady('ns', 'f', 60_000);
    probe.answer = { kind: 'status', status: 200 };
    assert.equal(await back, 'ready');
  });

  it('stops when the task exits (waiters hear it), and times out waiters when never ready', async () => {
    const probe = new FakeProbe();
    const pid = { v: 7 as number | undefined };
    const r = tracker(probe, pid);
    r.watch('ns', 'f', '10.0.0.2', 7);
    assert.equal(await r.waitReady('ns', 'f', 0), 'timeout');
    const waiting = r.waitReady('ns', 'f', 60_000);
    pid.v = undefined;
    assert.equal(await waiting, 'exited');
    const after = probe.probes;
    await new Promise((res) => setImmediate(res));
    assert.equal(probe.probes, after, 'no probe after the exit');
    assert.equal(await r.waitReady('ns', 'f', 60_000), 'exited');
  });
});
