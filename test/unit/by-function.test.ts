import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByFunction } from '../../src/by-function.js';

describe('ByFunction', () => {
  it('keeps a value per namespace and name; the same name in two namespaces is two functions', () => {
    const t = new ByFunction<number>();
    t.set('a', 'f', 1);
    t.set('b', 'f', 2);
    assert.equal(t.get('a', 'f'), 1);
    assert.equal(t.get('b', 'f'), 2);
    assert.equal(t.get('a', 'g'), undefined);
  });

  it('delete removes one function and its namespace once empty; deleteEverywhere every namespace', () => {
    const t = new ByFunction<number>();
    t.set('a', 'f', 1);
    t.set('a', 'g', 2);
    t.set('b', 'f', 3);
    t.delete('a', 'g');
    assert.deepEqual(t.keys(), [
      { namespace: 'a', name: 'f' },
      { namespace: 'b', name: 'f' },
    ]);
    t.deleteEverywhere('f');
    assert.deepEqual(t.keys(), []);
  });
});
