import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SlotIndex, slotBase } from '../../src/provider/slot-index.js';
import { FakeContainerList } from '../helpers/fake-container-list.js';

/** A clock the test moves by hand. */
class Clock {
  t = 0;
  readonly now = () => this.t;
}

const sorted = (s: Set<string>) => [...s].sort();

// Issue #16: a deploy's slot lookup was a containerd List (it reads every record of the namespace:
// 10-21 ms at N = 1,000); the provider now keeps the slots itself.
describe('SlotIndex', () => {
  const cases = [
    { name: 'no container of the name', add: [['other', 'other']], exists: false, taken: [] },
    {
      name: 'the function with a replica',
      add: [
        ['fn', 'fn'],
        ['fn.1', 'fn'],
        ['fnx', 'fnx'],
        ['fn-2', 'fn-2'],
        ['fn.1.2', undefined],
      ],
      exists: true,
      taken: ['fn', 'fn.1'],
    },
    { name: 'a pending new version only', add: [['fn.3', 'fn']], exists: true, taken: ['fn.3'] },
    {
      name: 'a slot held by a container not of a function',
      add: [['fn', undefined]],
      exists: false,
      taken: ['fn'],
    },
  ] as const;
  for (const c of cases) {
    it(`answers from one List: ${c.name}`, async () => {
      const ctd = new FakeContainerList();
      for (const [id, fn] of c.add) ctd.add('ns', id, fn);
      const index = new SlotIndex(ctd.list);
      const got = await index.used('ns', 'fn');
      assert.equal(got.exists, c.exists);
      assert.deepEqual(sorted(got.taken), [...c.taken]);
    });
  }

  it('slotBase: NAME for NAME and NAME.k', () => {
    const table = [
      { input: 'fn', want: 'fn' },
      { input: 'fn.12', want: 'fn' },
      { input: 'fn-2', want: 'fn-2' },
      { input: 'fn.x', want: 'fn.x' },
    ];
    for (const t of table) assert.equal(slotBase(t.input), t.want, t.input);
  });

  it("keeps this process's creates and removes without another List", async () => {
    const ctd = new FakeContainerList();
    const index = new SlotIndex(ctd.list);
    assert.equal((await index.used('ns', 'fn')).exists, false);
    const ended = index.creating('ns', { id: 'fn', labels: { 'io.faasd.function': 'fn' } });
    assert.deepEqual(sorted((await index.used('ns', 'fn')).taken), ['fn'], 'taken while it is made');
    ctd.add('ns', 'fn', 'fn');
    ended(true);
    assert.equal((await index.used('ns', 'fn')).exists, true);
    const failed = index.creating('ns', { id: 'fn.1', labels: { 'io.faasd.function': 'fn' } });
    failed(false); // a failed create leaves nothing
    assert.deepEqual(sorted((await index.used('ns', 'fn')).taken), ['fn']);
    ctd.remove('ns', 'fn');
    index.removed('ns', 'fn');
    assert.deepEqual(await index.used('ns', 'fn'), { exists: false, taken: new Set() });
    assert.equal(ctd.lists, 1, 'one List in all');
  });

  it('a List that began before a create and a remove does not undo them', async () => {
    const ctd = new FakeContainerList().add('ns', 'old', 'old');
    const clock = new Clock();
    const index = new SlotIndex(ctd.list, 100, clock.now);
    await index.used('ns', 'fn');
    clock.t = 100; // kept too long: the next lookup Lists again in the background
    ctd.hold();
    await index.used('ns', 'fn');
    assert.equal(ctd.lists, 2);
    // Meanwhile: one create ends, one is still under way, one container is removed.
    index.creating('ns', { id: 'fn', labels: { 'io.faasd.function': 'fn' } })(true);
    index.creating('ns', { id: 'fn.1', labels: { 'io.faasd.function': 'fn' } });
    index.removed('ns', 'old');
    ctd.open(); // answers what it read before them: no fn, no fn.1, old still there
    await ctd.settled();
    assert.deepEqual(sorted((await index.used('ns', 'fn')).taken), ['fn', 'fn.1']);
    assert.equal((await index.used('ns', 'old')).exists, false);
  });

  it('sees a change made outside the process once the kept slots are older than maxAgeMs', async () => {
    const ctd = new FakeContainerList();
    const clock = new Clock();
    const index = new SlotIndex(ctd.list, 100, clock.now);
    await index.used('ns', 'fn');
    ctd.add('ns', 'fn', 'fn'); // ctr by hand
    clock.t = 99;
    assert.equal((await index.used('ns', 'fn')).exists, false, 'kept: no List');
    clock.t = 100;
    assert.equal((await index.used('ns', 'fn')).exists, false, 'answers from what is kept meanwhile');
    await ctd.settled(); // the List it began in the background
    assert.equal((await index.used('ns', 'fn')).exists, true);
    assert.equal(ctd.lists, 2);
  });

  it('a failed List is not kept: the next lookup tries again', async () => {
    let fail = true;
    const ctd = new FakeContainerList().add('ns', 'fn', 'fn');
    const index = new SlotIndex((ns) => (fail ? Promise.reject(new Error('unavailable')) : ctd.list(ns)));
    await assert.rejects(index.used('ns', 'fn'), /unavailable/);
    fail = false;
    assert.equal((await index.used('ns', 'fn')).exists, true);
  });
});
