import { after, before, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpamStore, type AttachmentRecord } from '../../src/network/ipam-store.js';

function record(id: string, ip: string): AttachmentRecord {
  return {
    namespace: 'fn',
    id,
    netns: `/var/run/netns/fn--${id}`,
    ifname: 'eth0',
    state: 'attached',
    ip,
    createdAt: new Date(0).toISOString(),
  };
}

// The store keeps its last parse while the file is the same one (issue #16: invoke routing and status
// look an address up per replica); another writer's rename must be seen at once.
describe('IPAM store: the parse kept while the file is unchanged', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faasd-unit-store-cache-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('answers lookups from one parse until the file changes', async () => {
    const path = join(dir, 'kept.json');
    const store = new IpamStore(path);
    await store.update(() => [record('a', '10.0.0.2'), record('b', '10.0.0.3')]);
    const first = await store.find('fn', 'a');
    assert.equal(first?.ip, '10.0.0.2');
    // The same object: the file was not read and parsed again.
    assert.equal(await store.find('fn', 'a'), first);
    assert.equal(await store.find('fn', 'missing'), undefined);
  });

  it('sees a write by another store (another process) at once', async () => {
    const path = join(dir, 'other.json');
    const reader = new IpamStore(path);
    const writer = new IpamStore(path);
    await writer.update(() => [record('a', '10.0.0.2')]);
    assert.equal((await reader.find('fn', 'a'))?.ip, '10.0.0.2');
    // Same length of text: only the inode and times tell the files apart.
    await writer.update(() => [record('a', '10.0.0.4')]);
    assert.equal((await reader.find('fn', 'a'))?.ip, '10.0.0.4');
    await writer.update((rs) => rs.filter((r) => r.id !== 'a'));
    assert.equal(await reader.find('fn', 'a'), undefined);
  });

  it('gives each reader its own array, so changing it changes nothing kept', async () => {
    const path = join(dir, 'copy.json');
    const store = new IpamStore(path);
    await store.update(() => [record('a', '10.0.0.2')]);
    const mine = await store.read();
    mine.push(record('b', '10.0.0.3'));
    assert.deepEqual(
      (await store.read()).map((r) => r.id),
      ['a'],
    );
  });

  // Fifty deploys at once polled the file lock; some gave up after ~30 s at a few hundred records.
  it('holders in one process queue for the lock in call order instead of polling it', async () => {
    const path = join(dir, 'queue.json');
    const store = new IpamStore(path);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.update((rs) => [...rs, record(`c${i}`, `10.0.1.${i + 2}`)])),
    );
    assert.deepEqual(
      (await store.read()).map((r) => r.id),
      Array.from({ length: 20 }, (_, i) => `c${i}`),
    );
  });

  // After a restart at N = 1,000 the first invocations and probes looked addresses up ~3,000 times in
  // a few seconds; each opened, fstat'ed and closed the journal (0.4 s of the daemon's thread).
  it('shares one read among lookups at the same moment, and opens an unchanged journal not at all', async () => {
    const path = join(dir, 'shared.json');
    const store = new IpamStore(path);
    await store.update(() => [record('a', '10.0.0.2'), record('b', '10.0.0.3')]);
    // The module's own `open`, counted (named imports of a builtin follow it after the sync).
    const cjs = createRequire(import.meta.url)('node:fs/promises') as typeof fsp;
    const opens = mock.method(cjs, 'open');
    syncBuiltinESMExports();
    try {
      const found = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.find('fn', i % 2 ? 'a' : 'b')),
      );
      assert.deepEqual(new Set(found.map((r) => r?.ip)), new Set(['10.0.0.2', '10.0.0.3']));
      await store.find('fn', 'a');
      assert.equal(opens.mock.callCount(), 0, 'the journal had not changed since the last read');
      // A write of this process is seen by the next lookup, though a read may have been under way.
      const before = store.find('fn', 'c');
      await store.put(record('c', '10.0.0.4'));
      assert.equal(await before, undefined);
      assert.equal((await store.find('fn', 'c'))?.ip, '10.0.0.4');
    } finally {
      opens.mock.restore();
      syncBuiltinESMExports();
    }
  });
});
