import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerRecord } from '../../src/containerd/index.js';
import { ContainerCache } from '../../src/provider/container-cache.js';

/** A List whose answers wait until the test releases them; every List is counted. */
class HeldList {
  lists = 0;
  private readonly held: ((r: ContainerRecord[]) => void)[] = [];
  readonly fetch = (): Promise<ContainerRecord[]> => {
    this.lists++;
    return new Promise((resolve) => this.held.push(resolve));
  };
  release(): void {
    for (const f of this.held.splice(0)) f([]);
  }
}

describe('container cache: callers at the same time share one List (issue #16)', () => {
  it('fifty lists while one runs make one List', async () => {
    const held = new HeldList();
    const cache = new ContainerCache(held.fetch, 1000, () => 0);
    const all = Promise.all(Array.from({ length: 50 }, () => cache.list('ns')));
    assert.equal(cache.listing('ns'), true);
    held.release();
    await all;
    assert.equal(held.lists, 1);
    assert.equal(cache.listing('ns'), false);
  });

  it('a list asked after an invalidate does not share the List that began before it', async () => {
    const held = new HeldList();
    const cache = new ContainerCache(held.fetch, 1000, () => 0);
    const before = cache.list('ns');
    cache.invalidate('ns');
    assert.equal(cache.listing('ns'), false);
    const after = cache.list('ns');
    held.release();
    await Promise.all([before, after]);
    assert.equal(held.lists, 2);
  });

  it('tells whether a change of the namespace runs', () => {
    const cache = new ContainerCache(new HeldList().fetch);
    cache.begin('ns');
    assert.equal(cache.changing('ns'), true);
    cache.end('ns');
    assert.equal(cache.changing('ns'), false);
  });
});
