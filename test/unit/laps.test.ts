import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Laps } from '../../src/runtime/laps.js';

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
});
