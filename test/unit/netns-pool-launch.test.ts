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

/**
 * One turn of the timers: a 0 ms timer set now fires after every 0 ms timer set before it (Node keeps
 * timers of one duration in the order they were set), so a refill the pool made due at once has begun.
 */
const turn = () => new Promise<void>((r) => setTimeout(r, 0));

// Issue #16: the pool's refill ADD landed in the next deploy's task start on 2 cores; it now waits for
// the deploys' creates and task starts (launch), bounded so a steady trickle of deploys cannot starve it.
describe('NetnsPool: refills wait for launches under way', () => {
  it('no refill while a launch is under way; it comes once the last one ends', async () => {
    const net = new FakePoolNetwork();
    const pool = new NetnsPool(net, POOL);
    pool.start({ size: 1, quietMs: 0, retryMs: 0, maxWaitMs: 60_000 });
    await filled(net, pool, 1);
    const first = pool.launch();
    const second = pool.launch();
    assert.ok(await pool.take('fn', 'a'));
    await turn();
    first();
    first(); // ending one twice ends it once: the second launch still holds the refill
    await turn();
    assert.equal(attaches(net), 1, 'no refill while a launch is under way');
    net.calls.push('launches over');
    second();
    await filled(net, pool, 1);
    assert.deepEqual(net.calls.slice(-2), ['launches over', `attach ${POOL}`]);
    await pool.stop();
  });

  it('without a launch under way the refill comes after the quiet time alone', async () => {
    const net = new FakePoolNetwork();
    const pool = new NetnsPool(net, POOL);
    pool.start({ size: 1, quietMs: 0, retryMs: 0, maxWaitMs: 60_000 });
    await filled(net, pool, 1);
    pool.launch()(); // one that began and ended
    assert.ok(await pool.take('fn', 'a'));
    await filled(net, pool, 1);
    assert.equal(attaches(net), 2);
    await pool.stop();
  });

  it('is bounded: launches that never pause hold a refill back at most maxWaitMs', async () => {
    const net = new FakePoolNetwork();
    const pool = new NetnsPool(net, POOL);
    pool.start({ size: 1, quietMs: 0, retryMs: 0, maxWaitMs: 20 });
    await filled(net, pool, 1);
    const held = pool.launch();
    assert.ok(await pool.take('fn', 'a'));
    await filled(net, pool, 1);
    assert.equal(attaches(net), 2, 'refilled while the launch was still under way');
    held();
    await pool.stop();
  });
});
