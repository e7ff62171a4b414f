import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvocationHistory } from '../../src/ui/history.js';
import { ManualClock } from '../helpers/manual-clock.js';

const opts = { bucketMs: 10_000, buckets: 4, maxFunctions: 2 };

describe('portal invocation history', () => {
  it('counts calls and 5xx answers per bucket, the last bucket being now', () => {
    const clock = new ManualClock(40_000);
    const h = new InvocationHistory(clock, opts);
    h.observe('a.fn', 200);
    h.observe('a.fn', 502);
    clock.advance(10_000);
    h.observe('a.fn', 404);
    assert.deepEqual(h.snapshot(), {
      bucketSeconds: 10,
      functions: { 'a.fn': { calls: [0, 0, 2, 1], errors: [0, 0, 1, 0] } },
    });
  });

  it('forgets buckets older than the window, even for a function not invoked since', () => {
    const clock = new ManualClock(40_000);
    const h = new InvocationHistory(clock, opts);
    h.observe('a.fn', 200);
    clock.advance(20_000);
    assert.deepEqual(h.snapshot().functions['a.fn']?.calls, [0, 1, 0, 0]);
    clock.advance(20_000);
    assert.deepEqual(h.snapshot().functions['a.fn']?.calls, [0, 0, 0, 0]);
    // A ring slot reused after a full turn starts from zero.
    h.observe('a.fn', 200);
    assert.deepEqual(h.snapshot().functions['a.fn']?.calls, [0, 0, 0, 1]);
    clock.advance(100_000);
    h.observe('a.fn', 200);
    assert.deepEqual(h.snapshot().functions['a.fn']?.calls, [0, 0, 0, 1]);
  });

  it('keeps at most maxFunctions, dropping the one invoked longest ago', () => {
    const clock = new ManualClock(40_000);
    const h = new InvocationHistory(clock, opts);
    h.observe('a.fn', 200);
    clock.advance(10_000);
    h.observe('b.fn', 200);
    clock.advance(10_000);
    h.observe('a.fn', 200);
    h.observe('c.fn', 200);
    assert.deepEqual(Object.keys(h.snapshot().functions).sort(), ['a.fn', 'c.fn']);
  });
});
