import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { usedSlots } from '../../src/provider/first-deploy.js';
import { slotsFilter } from '../../src/provider/instances.js';
import { FakeSlotContainers } from '../helpers/fake-slot-containers.js';

// A deploy's one List (issue #16): whether the function exists and which of its slots are taken.
describe('usedSlots', () => {
  const cases = [
    { name: 'no container of the name', add: [['other', 'other']], exists: false, taken: [] },
    {
      name: 'the function with a replica',
      add: [
        ['fn', 'fn'],
        ['fn.1', 'fn'],
        ['fnx', 'fnx'],
        ['fn-2', 'fn-2'],
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
    it(c.name, async () => {
      const fake = new FakeSlotContainers();
      for (const [id, fn] of c.add) fake.add(id, fn);
      const got = await usedSlots(fake, 'fn');
      assert.equal(got.exists, c.exists);
      assert.deepEqual([...got.taken].sort(), [...c.taken]);
      assert.deepEqual(fake.filters, [slotsFilter('fn')], 'one List, filtered by the slots');
    });
  }
});
