import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Scaler, ScaleTimeoutError } from '../../src/gateway/scaler.js';
import { FakeScaleBackend, RecordingSleep } from '../helpers/fake-scale-backend.js';
import { quietLogger } from '../helpers/edge-fakes.js';

const scalerFor = (
  backend: FakeScaleBackend,
  sleep: RecordingSleep,
  lines: string[] = [],
  timeoutMs = 30_000,
) =>
  new Scaler(backend, { cacheMs: 2000, timeoutMs, pollMs: 50, sleep: sleep.sleep, log: quietLogger(lines) });

describe('gateway scale from zero: when it looks again', () => {
  it('looks at once after the scale: a function ready by then waits not at all', async () => {
    const backend = new FakeScaleBackend(0, 1);
    const sleep = new RecordingSleep();
    await scalerFor(backend, sleep).ensureReady('fn', 'ns');
    assert.deepEqual(backend.calls, ['look', 'scale 1', 'look']);
    assert.deepEqual(sleep.waits, []);
  });

  it('then waits 5 ms, doubling up to pollMs (50 ms), never a fixed pollMs first', async () => {
    const backend = new FakeScaleBackend(0, 7);
    const sleep = new RecordingSleep();
    await scalerFor(backend, sleep).ensureReady('fn', 'ns');
    assert.deepEqual(sleep.waits, [5, 10, 20, 40, 50, 50]);
    assert.equal(backend.calls.filter((c) => c === 'look').length, 8);
  });

  it('logs one line with the split of a scale from zero', async () => {
    const lines: string[] = [];
    await scalerFor(new FakeScaleBackend(0, 3), new RecordingSleep(), lines).ensureReady('fn', 'ns');
    const line = lines.find((l) => l.includes('scaled from zero'));
    assert.ok(line, lines.join(''));
    for (const key of ['function=fn', 'namespace=ns', 'polls=3', 'scale_ms=', 'wait_ms=', 'look_ms='])
      assert.ok(line.includes(key), `${key} in ${line}`);
  });

  it('a replica starting (replicas 1, none available) is waited for without a scale', async () => {
    const backend = new FakeScaleBackend(1, 3);
    const sleep = new RecordingSleep();
    await scalerFor(backend, sleep).ensureReady('fn', 'ns');
    assert.ok(!backend.calls.some((c) => c.startsWith('scale')), backend.calls.join(','));
    assert.deepEqual(sleep.waits, [5]);
  });

  it('gives up after timeoutMs with a ScaleTimeoutError naming the function', async () => {
    const backend = new FakeScaleBackend(0, Number.POSITIVE_INFINITY);
    await assert.rejects(scalerFor(backend, new RecordingSleep(), [], -1).ensureReady('fn', 'ns'), (err) => {
      assert.ok(err instanceof ScaleTimeoutError);
      assert.equal(err.fn, 'fn');
      return true;
    });
  });
});
