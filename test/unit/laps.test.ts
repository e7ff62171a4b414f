import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Laps } from '../../src/laps.js';

describe('Laps', () => {
  it('records each lap as <prefix><name>_ms, whole ms', () => {
    const into: Record<string, number> = {};
    const laps = new Laps(into, 'start_');
    laps.lap('get');
    laps.lap('task_create');
    assert.deepEqual(Object.keys(into), ['start_get_ms', 'start_task_create_ms']);
    for (const v of Object.values(into)) assert.ok(Number.isInteger(v) && v >= 0, `${v}`);
  });

  it('records nothing when not asked (no sink)', () => {
    const laps = new Laps(undefined);
    assert.doesNotThrow(() => laps.lap('get'));
  });

  it('next() is the whole ms since the previous lap, and a lap moves the mark', () => {
    const laps = new Laps();
    const first = laps.next();
    laps.lap('x');
    const again = laps.next();
    for (const v of [first, again]) assert.ok(Number.isInteger(v) && v >= 0, `${v}`);
  });
});
