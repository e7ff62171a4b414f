import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { needsRoot } from '../helpers/root.js';
import { testNetwork, type TestNetwork } from '../helpers/network.js';
import { pollUntil } from '../helpers/wait.js';
import { freePort } from '../helpers/registry.js';
import { netnsExists, netnsName } from '../../src/network/netns.js';
import { poolNamespace } from '../../src/network/index.js';

/**
 * The network's pool of attached netns (issue #16), with the real plugins on a test bridge: a
 * function's attach takes an entry (its record re-keyed, its netns name kept), core services and
 * containers with port mappings never do, a restore after a reboot keeps the pooled name, and DEL
 * leaves nothing.
 */
describe('network: pool of attached netns', { skip: needsRoot }, () => {
  let net: TestNetwork;
  let core: string;
  let fn: string;
  let pool: string;

  const hostLocalIps = async () =>
    (await readdir(join(net.options.ipamDataDir, net.options.name)).catch(() => [])).filter((f) =>
      /^\d+\.\d+\.\d+\.\d+$/.test(f),
    );
  const ready = (n: number) =>
    pollUntil(
      `the pool to hold ${n} attached`,
      async () => {
        const rs = await net.network.records(pool);
        return net.network.pool.available === n && rs.filter((r) => r.state === 'attached').length === n
          ? rs
          : undefined;
      },
      { timeoutMs: 30_000 },
    );

  before(async () => {
    net = await testNetwork('pool');
    core = net.options.coreNamespace;
    fn = `${core}-fn`; // owned by the network as a function namespace is (it starts with an owned one)
    pool = poolNamespace(core);
    net.network.pool.start({ size: 2, quietMs: 0 });
  });
  after(async () => {
    await net?.cleanup();
  });

  it('a function takes an entry: one record, keyed to it, under the netns it was made in; DEL leaves nothing', async () => {
    const entries = await ready(2);
    const att = await net.network.attach(fn, 'echo');
    const record = await net.network.store.find(fn, 'echo');
    assert.ok(record, 'a record of the function');
    const entry = entries.find((e) => e.netns === att.netnsPath);
    assert.ok(entry, `${att.netnsPath} is one of the pool's`);
    assert.deepEqual(record, { ...entry, namespace: fn, id: 'echo' });
    assert.equal(record.ip, att.ip);
    assert.equal(await net.network.store.find(pool, entry.id), undefined);
    // The address is on eth0 in that netns.
    const addr = await execa('ip', ['-n', basename(att.netnsPath), '-4', '-o', 'addr', 'show', 'eth0']);
    assert.match(addr.stdout, new RegExp(` ${att.ip.replaceAll('.', '\\.')}/`));
    // The deploy's log line shows the attach as a take from the pool.
    assert.deepEqual(Object.keys(net.network.takeAttachSplit(fn, 'echo')?.laps ?? {}), ['pool']);

    // Refilled to its size with a new entry.
    const after = await ready(2);
    assert.equal(
      after.some((r) => r.netns === att.netnsPath),
      false,
    );

    // A reboot empties /run: restore attaches again under the pooled name (the container's spec names it).
    await execa('ip', ['netns', 'delete', basename(att.netnsPath)]);
    assert.equal(await net.network.restore(fn, 'echo'), true);
    assert.ok(await netnsExists(basename(att.netnsPath)));
    assert.equal((await net.network.store.find(fn, 'echo'))?.netns, att.netnsPath);

    await net.network.detach(fn, 'echo');
    assert.equal(await netnsExists(basename(att.netnsPath)), false);
    assert.equal(await net.network.store.find(fn, 'echo'), undefined);
    const live = (await net.network.store.read()).flatMap((r) => (r.ip ? [r.ip] : []));
    assert.equal(new Set(live).size, live.length, 'no address held twice');
    assert.deepEqual(await hostLocalIps(), [], 'host-local allocated nothing (static IPAM)');
  });

  it('core services and containers with port mappings attach on their own, under their own names', async () => {
    await ready(2);
    const svc = await net.network.attach(core, 'nats');
    assert.equal(basename(svc.netnsPath), netnsName(core, 'nats'));
    const mapped = await net.network.attach(fn, 'mapped', {
      portMappings: [
        { hostPort: await freePort(), containerPort: 8080, protocol: 'tcp', hostIP: '127.0.0.1' },
      ],
    });
    assert.equal(basename(mapped.netnsPath), netnsName(fn, 'mapped'));
    assert.equal(net.network.pool.available, 2, 'no entry taken');
    await net.network.detach(core, 'nats');
    await net.network.detach(fn, 'mapped');
  });

  it('a drained pool falls back to a direct attach', async () => {
    await ready(2);
    // As deploys do (a launch from create to task start): no refill begins under the three attaches.
    const launched = net.network.pool.launch();
    const atts = await Promise.all(['a', 'b', 'c'].map((id) => net.network.attach(fn, id))).finally(launched);
    const names = atts.map((a) => basename(a.netnsPath));
    assert.equal(new Set(names).size, 3);
    assert.equal(names.filter((n) => n.startsWith(`${pool}--`)).length, 2);
    assert.equal(names.filter((n) => n.startsWith(`${fn}--`)).length, 1);
    for (const id of ['a', 'b', 'c']) await net.network.detach(fn, id);
  });
});
