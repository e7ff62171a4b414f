import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sweepCreateLeftovers } from '../../src/runtime/index.js';
import { FakeLeftoverContainerd } from '../helpers/fake-leftover-containerd.js';

describe('sweepCreateLeftovers (fake containerd with an eager GC)', () => {
  it('reports the snapshot our create lease held even when GC would take it as the lease goes', async () => {
    const ctd = new FakeLeftoverContainerd();
    ctd.addSnapshot('layer', 'COMMITTED');
    ctd.addSnapshot('kept');
    ctd.addContainer('kept', 'kept');
    // What a create killed between prepare and the container record leaves.
    ctd.addSnapshot('orphan');
    ctd.addLease('faasd-create-1-ab', 'orphan');
    ctd.addLease('someone-else-1-cd');

    const removed = await sweepCreateLeftovers(ctd, 'leftovers');

    assert.deepEqual(removed.sort(), ['lease faasd-create-1-ab', 'snapshot orphan']);
    assert.deepEqual(ctd.collected, [], 'the sweep removed the snapshot itself, before GC could');
    assert.deepEqual(ctd.snapshotNames(), ['kept', 'layer']);
    assert.deepEqual(ctd.leaseIds(), ['someone-else-1-cd']);
  });

  it('removes a view lease and its view snapshot; leaves a namespace with nothing of ours as it is', async () => {
    const ctd = new FakeLeftoverContainerd();
    ctd.addSnapshot('faasd-view figlet 1a2b', 'VIEW');
    ctd.addLease('faasd-view-1-ef', 'faasd-view figlet 1a2b');
    assert.deepEqual((await sweepCreateLeftovers(ctd, 'n')).sort(), [
      'lease faasd-view-1-ef',
      'snapshot faasd-view figlet 1a2b',
    ]);
    assert.deepEqual(await sweepCreateLeftovers(ctd, 'n'), []);
  });
});
