import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { execa } from 'execa';
import { needsRoot } from '../helpers/root.js';
import { testNetwork, type TestNetwork } from '../helpers/network.js';
import { pollUntil } from '../helpers/wait.js';
import { netnsExists } from '../../src/network/netns.js';
import { poolNamespace } from '../../src/network/index.js';

/**
 * Issue #16: a function's attach that comes while the pool's refill ADD is under way takes that entry
 * (real plugins, test bridge): it waits for the ADD instead of running a second one beside it, gets
 * the record and netns the refill made, and its DEL leaves no netns and no bridge port behind.
 */
describe('network: an attach claims the refill under way', { skip: needsRoot }, () => {
  let net: TestNetwork;
  let fn: string;
  let pool: string;
  const logged: Record<string, unknown>[] = [];

  /** The bridge's ports (one veth per attached netns). */
  const ports = async () =>
    (await execa('ip', ['-o', 'link', 'show', 'master', net.options.bridge], { reject: false })).stdout
      .split('\n')
      .filter(Boolean).length;

  before(async () => {
    net = await testNetwork('claim');
    fn = `${net.options.coreNamespace}-fn`;
    pool = poolNamespace(net.options.coreNamespace);
    net.network.pool.start({
      size: 1,
      quietMs: 0,
      log: { info: (_m, f) => logged.push(f ?? {}), warn: () => undefined },
    });
  });
  after(async () => {
    await net?.cleanup();
  });

  it('waits for the ADD under way, gets its netns and record; DEL leaves nothing of it', async () => {
    await pollUntil('the pool to hold 1', async () => (net.network.pool.available === 1 ? true : undefined), {
      timeoutMs: 30_000,
    });
    // A deploy's launch holds the refill while the first attach takes the ready entry.
    const launched = net.network.pool.launch();
    const first = await net.network.attach(fn, 'a');
    assert.ok(basename(first.netnsPath).startsWith(`${pool}--`));
    // Hold the store's lock: the refill, once due, is under way but cannot finish.
    let unlock = () => {};
    let locked = () => {};
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = net.network.store.withLock(() => {
      locked();
      return new Promise<void>((r) => (unlock = r));
    });
    await isLocked;
    launched();
    await pollUntil('the refill to be under way', async () =>
      net.network.pool.available === 0 && net.network.pool.takeable ? true : undefined,
    );
    const second = net.network.attach(fn, 'b');
    await pollUntil('the attach to claim it', async () => (net.network.pool.takeable ? undefined : true));
    unlock();
    await holding;
    const att = await second;
    const name = basename(att.netnsPath);
    assert.ok(name.startsWith(`${pool}--`), `${name} is the refill's netns`);
    assert.deepEqual(
      logged.filter((f) => f.claimed === true).map((f) => f.netns),
      [att.netnsPath],
      'the refill logged its entry as claimed',
    );
    const record = await net.network.store.find(fn, 'b');
    assert.equal(record?.netns, att.netnsPath);
    assert.equal(record?.ip, att.ip);
    assert.deepEqual(Object.keys(net.network.takeAttachSplit(fn, 'b')?.laps ?? {}), ['pool']);
    const addr = await execa('ip', ['-n', name, '-4', '-o', 'addr', 'show', 'eth0']);
    assert.match(addr.stdout, new RegExp(` ${att.ip.replaceAll('.', '\\.')}/`));

    for (const id of ['a', 'b']) await net.network.detach(fn, id);
    assert.equal(await netnsExists(name), false);
    assert.equal(await netnsExists(basename(first.netnsPath)), false);
    // Only the pool's own entries keep a port on the bridge.
    await pollUntil(
      'the pool to hold 1 again',
      async () => (net.network.pool.available === 1 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    await net.network.pool.stop();
    const attached = (await net.network.store.read()).filter((r) => r.state === 'attached');
    assert.deepEqual(
      attached.map((r) => r.namespace),
      [pool],
    );
    assert.equal(await ports(), 1, 'one veth on the bridge: the pool entry');
  });
});
