import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SHIM_GROUP_LABEL, ShimGroups, type GroupedContainer } from '../../src/runtime/shim-groups.js';

/** Containers as containerd lists them, per namespace; counts the Lists. */
class FakeContainerList {
  lists = 0;
  constructor(private readonly byNamespace: Record<string, GroupedContainer[]> = {}) {}
  list = (namespace: string): Promise<GroupedContainer[]> => {
    this.lists++;
    return Promise.resolve(this.byNamespace[namespace] ?? []);
  };
}

describe('shim groups', () => {
  it('fills the lowest group up to its size, then the next', async () => {
    const g = new ShimGroups(new FakeContainerList().list, { size: 2 });
    const got = [];
    for (const id of ['a', 'b', 'c', 'd', 'e']) got.push(await g.assign('ns', id));
    assert.deepEqual(got, ['faasd-0', 'faasd-0', 'faasd-1', 'faasd-1', 'faasd-2']);
  });

  it('keeps containers with the same spread label apart', async () => {
    const g = new ShimGroups(new FakeContainerList().list, { size: 4, spreadLabel: 'fn' });
    const got = [];
    for (const [id, fn] of [
      ['x', 'x'],
      ['x.1', 'x'],
      ['y', 'y'],
      ['x.2', 'x'],
    ] as const)
      got.push(await g.assign('ns', id, { fn }));
    assert.deepEqual(got, ['faasd-0', 'faasd-1', 'faasd-0', 'faasd-2']);
  });

  it('gives a released place to the next container, per namespace', async () => {
    const g = new ShimGroups(new FakeContainerList().list, { size: 1 });
    assert.equal(await g.assign('one', 'a'), 'faasd-0');
    assert.equal(await g.assign('two', 'a'), 'faasd-0');
    assert.equal(await g.assign('one', 'b'), 'faasd-1');
    await g.release('one', 'a');
    assert.equal(await g.assign('one', 'c'), 'faasd-0');
  });

  it('reads the groups in use from containerd once per namespace (after a restart)', async () => {
    const existing = new FakeContainerList({
      ns: [
        { id: 'a', labels: { [SHIM_GROUP_LABEL]: 'faasd-0' } },
        { id: 'b', labels: { [SHIM_GROUP_LABEL]: 'faasd-0' } },
        { id: 'core', labels: {} },
      ],
    });
    const g = new ShimGroups(existing.list, { size: 2 });
    assert.equal(await g.assign('ns', 'a'), 'faasd-0', 'a container keeps its group');
    assert.equal(await g.assign('ns', 'c'), 'faasd-1');
    assert.equal(existing.lists, 1);
  });
});
