import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { needsRoot } from '../helpers/root.js';
import { testNetwork, type TestNetwork } from '../helpers/network.js';
import { CniNetwork } from '../../src/network/index.js';
import { withHostLocal } from '../../src/network/conflist.js';
import { netnsName, netnsPath } from '../../src/network/netns.js';
import type { AttachmentRecord } from '../../src/network/ipam-store.js';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

async function hostLocalIps(net: TestNetwork): Promise<string[]> {
  const dir = join(net.options.ipamDataDir, net.options.name);
  return (await readdir(dir).catch(() => [])).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
}

async function eth0Address(netns: string): Promise<string> {
  return (await execa('ip', ['-n', netns, '-4', '-o', 'addr', 'show', 'eth0'])).stdout;
}

/** The journal's lines for (namespace, id), parsed. */
async function journalPuts(net: TestNetwork, namespace: string, id: string): Promise<AttachmentRecord[]> {
  const text = await readFile(net.network.store.journal, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.startsWith('{"put"'))
    .map((l) => (JSON.parse(l) as { put: AttachmentRecord }).put)
    .filter((r) => r.namespace === namespace && r.id === id);
}

/**
 * An attachment as a version before the journal's allocator made it: bridge alone with host-local
 * (the plain conflist of then), its record without `ipam`.
 */
async function hostLocalAttach(net: TestNetwork, namespace: string, id: string): Promise<AttachmentRecord> {
  const name = netnsName(namespace, id);
  await execa('ip', ['netns', 'add', name]);
  const att = { containerId: name, netns: netnsPath(name), ifname: 'eth0' };
  const list = withHostLocal(net.network.lists.plain, net.network.list);
  const result = (await net.network.runner.add(list, att, {})) as { ips: { address: string }[] };
  const [ip = '', prefix = ''] = result.ips[0]?.address.split('/') ?? [];
  const record: AttachmentRecord = {
    namespace,
    id,
    netns: att.netns,
    containerId: name,
    ifname: 'eth0',
    state: 'attached',
    ip,
    prefix: Number(prefix),
    conflist: 'plain',
    result,
    createdAt: new Date().toISOString(),
  };
  await net.network.store.put(record);
  return record;
}

// Issue #16: the address comes from our own journal (round robin, under the store's lock) and the
// bridge plugin gets it from the reference `static` IPAM plugin; host-local read its whole data dir on
// every ADD. Records host-local made keep working.
describe('CNI network: addresses from the journal through static IPAM', { skip: needsRoot }, () => {
  let net: TestNetwork;
  before(async () => {
    net = await testNetwork('static');
  });
  after(async () => {
    await net?.cleanup();
  });

  it('an attach gets the address its pending record reserved; DEL frees it, and it is not given again at once', async () => {
    const ns = net.options.coreNamespace;
    const att = await net.network.attach(ns, 'a');
    const record = await net.network.store.find(ns, 'a');
    assert.equal(record?.ipam, 'static');
    assert.equal(record?.ip, att.ip);
    assert.equal(record?.gateway, net.network.gateway);
    // Reserved before ADD: the pending put already held it.
    const puts = await journalPuts(net, ns, 'a');
    assert.deepEqual(
      puts.map((r) => [r.state, r.ip]),
      [
        ['pending', att.ip],
        ['attached', att.ip],
      ],
    );
    assert.match(
      await eth0Address(netnsName(ns, 'a')),
      new RegExp(`inet ${att.ip.replaceAll('.', '\\.')}/24 `),
    );
    // The default route goes through the bridge, as host-local's result had it.
    const route = await execa('ip', ['-n', netnsName(ns, 'a'), 'route', 'show', 'default']);
    assert.match(
      route.stdout,
      new RegExp(`default via ${net.network.gateway.replaceAll('.', '\\.')} dev eth0`),
    );
    const ping = await execa(
      'ip',
      ['netns', 'exec', netnsName(ns, 'a'), 'busybox', 'ping', '-c', '1', '-W', '2', net.network.gateway],
      { reject: false },
    );
    assert.equal(ping.exitCode, 0, ping.stdout);
    assert.deepEqual(await hostLocalIps(net), [], 'host-local allocated nothing');

    await net.network.detach(ns, 'a');
    assert.equal(await net.network.store.find(ns, 'a'), undefined);
    const b = await net.network.attach(ns, 'b');
    assert.notEqual(b.ip, att.ip, 'the freed address is not the next one given');
    await net.network.detach(ns, 'b');
    const veths = await execa('ip', ['-o', 'link', 'show', 'master', net.options.bridge]);
    assert.equal(veths.stdout.trim(), '');
  });

  it('two networks on one state dir (two processes) attaching at once never share an address', async () => {
    const ns = net.options.coreNamespace;
    const other = new CniNetwork(net.options);
    const ids = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const atts = await Promise.all(ids.map((id, i) => (i % 2 ? other : net.network).attach(ns, id)));
    const ips = atts.map((a) => a.ip);
    assert.equal(new Set(ips).size, ids.length);
    for (const [i, id] of ids.entries())
      assert.match(
        await eth0Address(netnsName(ns, id)),
        new RegExp(`inet ${(ips[i] ?? '').replaceAll('.', '\\.')}/`),
      );
    await Promise.all(ids.map((id) => net.network.detach(ns, id)));
    assert.deepEqual(await net.network.records(ns), []);
  });

  it('a record host-local made is adopted by a new process, listed, and DELeted with host-local', async () => {
    const ns = net.options.coreNamespace;
    const old = await hostLocalAttach(net, ns, 'nats');
    assert.deepEqual(await hostLocalIps(net), [old.ip]);

    // A daemon of this version starts on that host: reconcile keeps what a container holds.
    const restarted = new CniNetwork(net.options);
    await restarted.prepareFiles();
    await restarted.reconcile(async () => true, [ns]);
    assert.deepEqual(await restarted.store.find(ns, 'nats'), old);
    const hosts = await readFile(restarted.hostsPath, 'utf8');
    assert.match(hosts, new RegExp(`^${(old.ip ?? '').replaceAll('.', '\\.')}\\tnats$`, 'm'));
    const ls = await execa('node', [
      '--import',
      'tsx',
      CLI,
      'net',
      'ls',
      '--state-dir',
      net.options.stateDir,
    ]);
    assert.match(ls.stdout, new RegExp(`nats\\s+${(old.ip ?? '').replaceAll('.', '\\.')}/24`));

    await restarted.detach(ns, 'nats');
    assert.deepEqual(await hostLocalIps(net), [], 'host-local freed its address');
    assert.equal(await restarted.store.find(ns, 'nats'), undefined);
    await assert.rejects(execa('ip', ['-n', netnsName(ns, 'nats'), 'link']));
  });

  it('reconcile frees a reservation a crash left pending, and a host-local one no record names', async () => {
    const ns = net.options.coreNamespace;
    // A crash after the reservation, before ADD: a pending record holding an address.
    const crashed = await net.network.store.reserve(
      {
        namespace: ns,
        id: 'crashed',
        netns: netnsPath(netnsName(ns, 'crashed')),
        containerId: netnsName(ns, 'crashed'),
        ifname: 'eth0',
        state: 'pending',
        conflist: 'plain',
        createdAt: new Date().toISOString(),
      },
      net.network.range,
    );
    assert.ok(crashed.ip);
    // An older version's attach whose record was lost: its netns and host-local's allocation remain.
    const lost = await hostLocalAttach(net, ns, 'lost');
    await net.network.store.remove(ns, 'lost');
    assert.deepEqual(await hostLocalIps(net), [lost.ip]);

    const removed = await net.network.reconcile(async () => true, [ns]);
    assert.ok(removed.includes(`${ns}/crashed`), removed.join(', '));
    assert.ok(removed.includes(`netns ${netnsName(ns, 'lost')}`), removed.join(', '));
    assert.deepEqual(await net.network.records(ns), []);
    assert.deepEqual(await hostLocalIps(net), [], 'the orphan DEL asked host-local to free it');
  });
});
