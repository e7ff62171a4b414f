import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressesExhaustedError, AddressRange } from '../../src/network/ipam-alloc.js';
import { IpamStore, type AttachmentRecord } from '../../src/network/ipam-store.js';
import { InvalidArgumentError } from '../../src/errors.js';

function pending(id: string, namespace = 'fn'): AttachmentRecord {
  return {
    namespace,
    id,
    netns: `/var/run/netns/${namespace}--${id}`,
    containerId: `${namespace}--${id}`,
    ifname: 'eth0',
    state: 'pending',
    conflist: 'plain',
    createdAt: new Date(0).toISOString(),
  };
}

/** A record host-local made (an older version's): attached, no `ipam` field. */
function hostLocal(id: string, ip: string): AttachmentRecord {
  return { ...pending(id), state: 'attached', ip, prefix: 24 };
}

describe('AddressRange: the addresses the network hands out', () => {
  const cases = [
    { name: 'a /24', subnet: '10.62.0.0/24', first: '10.62.0.2', size: 253, gateway: '10.62.0.1' },
    { name: 'a /21', subnet: '10.62.8.0/21', first: '10.62.8.2', size: 2045, gateway: '10.62.8.1' },
    { name: 'a /30', subnet: '10.62.0.4/30', first: '10.62.0.6', size: 1, gateway: '10.62.0.5' },
  ];
  for (const c of cases)
    it(`${c.name}: the hosts after the gateway, up to the one before broadcast`, () => {
      const r = new AddressRange(c.subnet);
      assert.equal(r.size, c.size);
      assert.equal(r.gateway, c.gateway);
      assert.equal(r.next(new Set(), undefined), c.first);
      assert.equal(r.contains(c.gateway), false);
    });

  it('refuses a subnet that is not an IPv4 CIDR, naming it', () => {
    for (const bad of ['10.62.0.0', 'fd00::/64', 'nonsense'])
      assert.throws(
        () => new AddressRange(bad),
        (err: unknown) => err instanceof InvalidArgumentError && err.field === 'subnet',
      );
  });

  it('goes round: the next free address after the last one handed out, wrapping at the end', () => {
    const r = new AddressRange('10.62.0.0/29'); // .2 .. .6
    assert.equal(r.next(new Set(), '10.62.0.3'), '10.62.0.4');
    assert.equal(r.next(new Set(['10.62.0.4', '10.62.0.5']), '10.62.0.3'), '10.62.0.6');
    assert.equal(r.next(new Set(), '10.62.0.6'), '10.62.0.2');
    assert.equal(r.next(new Set(['10.62.0.2']), '10.62.0.6'), '10.62.0.3');
    // A cursor outside the range (the subnet was changed) starts at the beginning.
    assert.equal(r.next(new Set(), '10.99.0.7'), '10.62.0.2');
  });

  it('says the subnet is full with a 503 naming it, when every address is held', () => {
    const r = new AddressRange('10.62.0.0/29');
    const held = new Set(['10.62.0.2', '10.62.0.3', '10.62.0.4', '10.62.0.5', '10.62.0.6']);
    assert.throws(
      () => r.next(held, '10.62.0.4'),
      (err: unknown) =>
        err instanceof AddressesExhaustedError &&
        err.status === 503 &&
        err.subnet === '10.62.0.0/29' &&
        err.held === 5,
    );
  });
});

// The store's journal is the allocator (issue #16): a reservation is the attach's pending record.
describe('IPAM store: addresses reserved in the journal', () => {
  let dir: string;
  let n = 0;
  const fresh = () => new IpamStore(join(dir, `s${n++}.json`));
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faasd-unit-alloc-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('reserves in the pending record, round robin, and a freed address is not given again at once', async () => {
    const store = fresh();
    const range = new AddressRange('10.62.0.0/29'); // .2 .. .6
    const a = await store.reserve(pending('a'), range);
    assert.deepEqual(
      { ip: a.ip, prefix: a.prefix, gateway: a.gateway, ipam: a.ipam, state: a.state },
      { ip: '10.62.0.2', prefix: 29, gateway: '10.62.0.1', ipam: 'static', state: 'pending' },
    );
    assert.deepEqual(await store.find('fn', 'a'), a);
    const b = await store.reserve(pending('b'), range);
    assert.equal(b.ip, '10.62.0.3');
    await store.remove('fn', 'a'); // released
    const c = await store.reserve(pending('c'), range);
    assert.equal(c.ip, '10.62.0.4', 'the next after the last given, not the one just freed');
    assert.equal((await store.reserve(pending('d'), range)).ip, '10.62.0.5');
    assert.equal((await store.reserve(pending('e'), range)).ip, '10.62.0.6');
    assert.equal((await store.reserve(pending('f'), range)).ip, '10.62.0.2', 'round: the freed one at last');
  });

  it('holds every record address, host-local ones too, and a full subnet changes nothing', async () => {
    const store = fresh();
    const range = new AddressRange('10.62.0.0/29');
    await store.put(hostLocal('old1', '10.62.0.2'));
    await store.put(hostLocal('old2', '10.62.0.4'));
    const got = [];
    for (const id of ['x', 'y', 'z']) got.push((await store.reserve(pending(id), range)).ip);
    assert.deepEqual(got, ['10.62.0.3', '10.62.0.5', '10.62.0.6']);
    const before = await readFile(store.journal, 'utf8');
    await assert.rejects(store.reserve(pending('full'), range), AddressesExhaustedError);
    assert.equal(await readFile(store.journal, 'utf8'), before, 'nothing written');
    assert.equal(await store.find('fn', 'full'), undefined);
  });

  it('a reservation of an id that has a record gives a new address and frees the old', async () => {
    const store = fresh();
    const range = new AddressRange('10.62.0.0/29');
    await store.reserve(pending('a'), range);
    const again = await store.reserve(pending('a'), range);
    assert.equal(again.ip, '10.62.0.3');
    assert.deepEqual(
      (await store.read()).map((r) => r.ip),
      ['10.62.0.3'],
    );
  });

  it('two stores on one journal (two processes) never reserve the same address', async () => {
    const path = join(dir, 'shared.json');
    const one = new IpamStore(path);
    const two = new IpamStore(path);
    const range = new AddressRange('10.62.0.0/24');
    const got = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).reserve(pending(`c${i}`), range)),
    );
    const ips = got.map((r) => r.ip);
    assert.equal(new Set(ips).size, 40);
    assert.deepEqual((await new IpamStore(path).read()).map((r) => r.ip).sort(), [...ips].sort());
  });

  it('keeps the cursor across a compaction and a restart: a freed address is not reused after either', async () => {
    const path = join(dir, 'compact.json');
    const store = new IpamStore(path);
    const range = new AddressRange('10.62.0.0/24');
    // Reserve and release until a removal compacts the journal (past twice its records plus slack):
    // then no reservation's put is left in it, only what the compaction wrote.
    let last = '';
    let compacted = false;
    for (let i = 0; i < 200 && !compacted; i++) {
      last = (await store.reserve(pending(`r${i}`), range)).ip ?? '';
      await store.remove('fn', `r${i}`);
      compacted = !(await readFile(store.journal, 'utf8')).includes('"put"');
    }
    assert.ok(compacted, 'the journal compacted');
    assert.deepEqual(await store.read(), []);
    const restarted = new IpamStore(path);
    const next = await restarted.reserve(pending('after'), range);
    assert.equal(next.ip, range.next(new Set(), last), `the one after ${last}`);
  });

  it('reads a journal line of a shape it does not know as nothing', async () => {
    const store = fresh();
    const range = new AddressRange('10.62.0.0/29');
    await store.reserve(pending('a'), range);
    await appendFile(store.journal, '\n{"future":1}\n\n42\n');
    const reader = new IpamStore(store.path);
    assert.deepEqual(
      (await reader.read()).map((r) => r.id),
      ['a'],
    );
  });
});
