import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsPool, poolNamespace } from '../../src/network/netns-pool.js';
import { FakePoolNetwork } from '../helpers/fake-pool-network.js';
import { pollUntil } from '../helpers/wait.js';

const POOL = poolNamespace('fn');

async function filled(net: FakePoolNetwork, pool: NetnsPool, n: number): Promise<void> {
  await pollUntil(`the pool to hold ${n}`, async () =>
    pool.available === n && net.in(POOL).length === n ? true : undefined,
  );
}

const attaches = (net: FakePoolNetwork) => net.calls.filter((c) => c.startsWith('attach')).length;

// Issue #16: faas-cli users deploy one function after another; with the refill waiting 0.5 s after the
// last attach, back-to-back deploys found the pool empty and attached on their own (CNI ~40 ms of the
// deploy). The refill now waits 50 ms after the last launch, and a create that comes while its ADD is
// under way takes that entry instead of running a second ADD beside it.
describe('NetnsPool: a take claims the refill under way', () => {
  it('waits for the refill under way and gets its entry; a second take at once does not wait', async () => {
    const net = new FakePoolNetwork();
    const pool = new NetnsPool(net, POOL);
    const began = net.hold();
    pool.start({ size: 1, quietMs: 0, retryMs: 0 });
    await began; // the first fill's ADD is under way, held
    assert.equal(pool.available, 0);
    assert.equal(pool.takeable, true);
    const first = pool.take('fn', 'a');
    assert.equal(pool.takeable, false, 'one take per refill');
    assert.equal(await pool.take('fn', 'b'), undefined, 'the second attaches on its own at once');
    net.open();
    const got = await first;
    const moved = net.records.get('fn/a');
    assert.ok(got && moved);
    assert.equal(got.netnsPath, moved.netns);
    assert.equal(pool.available, 0, 'the claimed entry was not also put up for the next take');
    await filled(net, pool, 1); // and the pool refills what was claimed
    assert.equal(attaches(net), 2);
    await pool.stop();
  });

  it('gives up after claimWaitMs; the late entry is then ready for the next take', async () => {
    const net = new FakePoolNetwork();
    const pool = new NetnsPool(net, POOL);
    const began = net.hold();
    pool.start({ size: 1, quietMs: 0, retryMs: 0, claimWaitMs: 1 });
    await began;
    assert.equal(await pool.take('fn', 'a'), undefined);
    assert.equal(pool.takeable, true, 'claimable again once the wait gave up');
    net.open();
    await filled(net, pool, 1);
    assert.ok(await pool.take('fn', 'b'));
    assert.equal(net.records.has('fn/a'), false);
    await pool.stop();
  });

  it('a failed refill gives the waiting take nothing (it attaches on its own)', async () => {
    const net = new FakePoolNetwork();
    const pool = new NetnsPool(net, POOL);
    const began = net.hold();
    net.failNext = 1;
    pool.start({
      size: 1,
      quietMs: 0,
      retryMs: 60_000,
      log: { info: () => undefined, warn: () => undefined },
    });
    await began;
    const taking = pool.take('fn', 'a');
    net.open();
    assert.equal(await taking, undefined);
    assert.equal(net.records.has('fn/a'), false);
    await pool.stop();
  });
});
