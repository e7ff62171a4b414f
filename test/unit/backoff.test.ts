import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, type Clock } from '../../src/runtime/backoff.js';

class FakeClock implements Clock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
}

describe('Backoff', () => {
  it('doubles from the base to the cap', () => {
    const b = new Backoff({ baseMs: 250, capMs: 2_000 });
    assert.deepEqual(
      Array.from({ length: 6 }, () => b.next()),
      [250, 500, 1_000, 2_000, 2_000, 2_000],
    );
    assert.equal(b.attempt, 6);
  });

  it('starts again from the base after a run that lasted the stable period, not after a shorter one', () => {
    const clock = new FakeClock();
    const b = new Backoff({ baseMs: 100, capMs: 10_000, stableMs: 10_000, clock });
    assert.deepEqual([b.next(), b.next(), b.next()], [100, 200, 400]);
    b.started();
    clock.t += 9_999;
    assert.equal(b.next(), 800, 'died before it was stable: keeps growing');
    b.started();
    clock.t += 10_000;
    assert.equal(b.next(), 100, 'ran for the stable period: back to the base');
  });

  it('without a stable period only reset() starts again; many attempts stay at the cap', () => {
    const b = new Backoff({ baseMs: 1, capMs: 5_000 });
    for (let i = 0; i < 2_000; i++) b.next();
    assert.equal(b.next(), 5_000);
    b.reset();
    assert.equal(b.next(), 1);
  });

  it('refuses a base that is not positive or a cap below the base', () => {
    assert.throws(() => new Backoff({ baseMs: 0, capMs: 10 }), RangeError);
    assert.throws(() => new Backoff({ baseMs: 20, capMs: 10 }), RangeError);
  });
});
