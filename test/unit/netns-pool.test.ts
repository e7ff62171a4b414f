import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_POOL_SIZE, NetnsPool, poolNamespace } from '../../src/network/netns-pool.js';
import { FakePoolNetwork } from '../helpers/fake-pool-network.js';
import { pollUntil } from '../helpers/wait.js';

const POOL = poolNamespace('fn');
/** No pause between attaches is asked for: the tests say when work may happen by what they wait on. */
const quick = { quietMs: 0, retryMs: 0 };

async function filled(net: FakePoolNetwork, pool: NetnsPool, n: number): Promise<void> {
  await pollUntil(`the pool to hold ${n}`, async () =>
    pool.available === n && net.in(POOL).length === n ? true : undefined,
  );
}

describe('NetnsPool', () => {
  it('has a namespace no containerd namespace can be, beside (and owned with) the function one', () => {
    const containerdNamespace = /^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$/;
    assert.equal(containerdNamespace.test(POOL), false);
    assert.ok(POOL.startsWith('fn-'));
  });

  it('removes an earlier process entries first, then fills to its size, one attach at a time', async () => {
    const net = new FakePoolNetwork();
    net.plant(POOL, 'old1');
    net.plant(POOL, 'old2', 'pending');
    net.plant('fn', 'someone'); // a function's: not the pool's to judge
    const pool = new NetnsPool(net, POOL);
    pool.start({ size: 2, ...quick });
    await filled(net, pool, 2);
    await pool.stop();
    assert.deepEqual(net.calls, [
      `detach ${POOL}/old1`,
      `detach ${POOL}/old2`,
      `attach ${POOL}`,
      `attach ${POOL}`,
    ]);
    assert.ok(net.records.has('fn/someone'));
  });

  it('gives an entry to a function by re-keying its record once, keeping its netns; then refills', async () => {
    const net = new FakePoolNetwork();
    const pool = new NetnsPool(net, POOL);
    pool.start({ size: 2, ...quick });
    await filled(net, pool, 2);
    const [entry] = net.in(POOL);
    assert.ok(entry);
    const att = await pool.take('fn', 'echo');
    assert.deepEqual(att, { netnsPath: entry.netns, ip: entry.ip });
    const moved = net.records.get('fn/echo');
    assert.deepEqual(moved, { ...entry, namespace: 'fn', id: 'echo' });
    assert.deepEqual(
      net.calls.filter((c) => c.startsWith('move')),
      [`move ${POOL}/${entry.id} -> fn/echo`],
    );
    await filled(net, pool, 2);
    await pool.stop();
  });

  it('never gives one entry twice, and answers undefined when drained (the caller attaches itself)', async () => {
    const net = new FakePoolNetwork();
    const pool = new NetnsPool(net, POOL);
    pool.start({ size: 2, ...quick });
    await filled(net, pool, 2);
    const held = pool.launch(); // no refill while a launch is under way, so the takes drain it
    const got = await Promise.all(['a', 'b', 'c'].map((id) => pool.take('fn', id)));
    assert.equal(got.filter((g) => g === undefined).length, 1);
    const paths = got.flatMap((g) => (g ? [g.netnsPath] : []));
    assert.equal(new Set(paths).size, 2);
    held();
    await filled(net, pool, 2);
    await pool.stop();
  });

  it('skips an entry removed under it (a reconcile of every namespace)', async () => {
    const net = new FakePoolNetwork();
    const pool = new NetnsPool(net, POOL);
    pool.start({ size: 1, ...quick });
    await filled(net, pool, 1);
    await pool.stop();
    for (const r of net.in(POOL)) net.records.delete(`${POOL}/${r.id}`);
    assert.equal(await pool.take('fn', 'x'), undefined);
    assert.equal(net.records.has('fn/x'), false);
  });

  it(`is bounded: at most ${MAX_POOL_SIZE} entries whatever it is told`, async () => {
    const net = new FakePoolNetwork();
    const pool = new NetnsPool(net, POOL);
    pool.start({ size: 50, ...quick });
    await filled(net, pool, MAX_POOL_SIZE);
    await pool.stop();
    assert.equal(net.calls.filter((c) => c.startsWith('attach')).length, MAX_POOL_SIZE);
  });

  it('tries again after a failed attach', async () => {
    const net = new FakePoolNetwork();
    net.failNext = 2;
    const warnings: string[] = [];
    const pool = new NetnsPool(net, POOL);
    pool.start({
      size: 1,
      ...quick,
      log: { info: () => undefined, warn: (m) => warnings.push(m) },
    });
    await filled(net, pool, 1);
    await pool.stop();
    assert.equal(warnings.length, 2);
    assert.equal(net.calls.filter((c) => c.startsWith('attach')).length, 3);
  });

  it('stop waits for the attach under way and starts no other', async () => {
    const net = new FakePoolNetwork();
    const pool = new NetnsPool(net, POOL);
    const began = net.hold();
    pool.start({ size: 2, ...quick });
    await began;
    let stopped = false;
    const stopping = pool.stop().then(() => (stopped = true));
    await Promise.resolve();
    assert.equal(stopped, false, 'stop returned while an attach was under way');
    net.open();
    await stopping;
    assert.equal(net.calls.filter((c) => c.startsWith('attach')).length, 1);
    assert.equal(pool.available, 1, 'the entry made stays (the next start removes it)');
  });

  it('with size 0 only removes what an earlier process left', async () => {
    const net = new FakePoolNetwork();
    net.plant(POOL, 'old');
    const pool = new NetnsPool(net, POOL);
    pool.start({ size: 0, ...quick });
    await pollUntil('the stale entry to go', async () => (net.in(POOL).length === 0 ? true : undefined));
    await pool.stop();
    assert.deepEqual(net.calls, [`detach ${POOL}/old`]);
  });

  it('clear stops and removes every entry', async () => {
    const net = new FakePoolNetwork();
    const pool = new NetnsPool(net, POOL);
    pool.start({ size: 2, ...quick });
    await filled(net, pool, 2);
    net.plant('fn', 'someone');
    await pool.clear();
    assert.deepEqual(net.in(POOL), []);
    assert.equal(pool.available, 0);
    assert.ok(net.records.has('fn/someone'));
  });
});
