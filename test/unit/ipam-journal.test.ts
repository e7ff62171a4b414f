import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpamStore, type AttachmentRecord } from '../../src/network/ipam-store.js';

function record(id: string, ip: string, state: AttachmentRecord['state'] = 'attached'): AttachmentRecord {
  return {
    namespace: 'fn',
    id,
    netns: `/var/run/netns/fn--${id}`,
    ifname: 'eth0',
    state,
    ip,
    createdAt: new Date(0).toISOString(),
  };
}

const ipOf = (i: number) => `10.1.${Math.floor(i / 250)}.${(i % 250) + 2}`;

// The store is an append-only journal (issue #16): a change costs the same at N = 1,000 as at N = 1,
// a crash mid-append loses only that change, and a store of the earlier one-file format is moved in.
describe('IPAM store journal', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faasd-unit-journal-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('writes the same bytes for one attach at 1,000 records as at 1', async () => {
    const grow = async (name: string, n: number): Promise<number> => {
      const store = new IpamStore(join(dir, `${name}.json`));
      await store.update(() => Array.from({ length: n }, (_, i) => record(`f${i}`, ipOf(i))));
      assert.equal((await store.read()).length, n);
      const before = (await stat(store.journal)).size;
      await store.put(record('probe', '10.9.0.2', 'pending'));
      await store.put(record('probe', '10.9.0.2'));
      return (await stat(store.journal)).size - before;
    };
    const one = await grow('one', 1);
    assert.ok(one > 0);
    assert.equal(await grow('thousand', 1000), one);
  });

  it('moves a store of the earlier format in on first use, keeping records and their order', async () => {
    const sub = await mkdtemp(join(dir, 'legacy-'));
    const path = join(sub, 'ipam.json');
    const dup = { ...record('a', '10.0.0.9'), createdAt: 'later' };
    const old = [record('b', '10.0.0.3'), record('a', '10.0.0.2'), dup, record('c', '10.0.0.4', 'pending')];
    await writeFile(path, JSON.stringify({ version: 1, records: old }, null, 2) + '\n');
    const store = new IpamStore(path);
    // The first record of a key wins, as the old store's lookups had it.
    assert.deepEqual(await store.read(), [old[0], old[1], old[3]]);
    assert.deepEqual(await readdir(sub), ['ipam.journal']);
    // Pending records survive the move, so reconcile still finds a crash mid-ADD.
    assert.equal((await new IpamStore(path).find('fn', 'c'))?.state, 'pending');
    await store.remove('fn', 'b');
    assert.deepEqual(
      (await new IpamStore(path).read()).map((r) => r.id),
      ['a', 'c'],
    );
  });

  it('skips a line torn by a crash, and the appends after it read back', async () => {
    const path = join(dir, 'torn.json');
    const store = new IpamStore(path);
    await store.put(record('a', '10.0.0.2'));
    // A crash mid-append: half a line, no newline after it.
    await appendFile(store.journal, '\n{"put":{"namespace":"fn","id":"b","netns":"/var/ru');
    assert.deepEqual(
      (await new IpamStore(path).read()).map((r) => r.id),
      ['a'],
    );
    await store.put(record('c', '10.0.0.4'));
    assert.deepEqual(
      (await new IpamStore(path).read()).map((r) => r.id),
      ['a', 'c'],
    );
  });

  it('compacts a journal that has grown past its records, and a reader across the compaction sees the truth', async () => {
    const path = join(dir, 'compact.json');
    const writer = new IpamStore(path);
    const reader = new IpamStore(path);
    await writer.put(record('kept', '10.0.0.2'));
    assert.equal((await reader.find('fn', 'kept'))?.ip, '10.0.0.2');
    // A compaction renames a new file over the journal: a new inode then. Compared with the one before
    // each change, not only the first: a second compaction may be given the first file's freed inode.
    let inode = (await stat(writer.journal)).ino;
    let compactions = 0;
    for (let i = 0; i < 200; i++) {
      await writer.put(record(`t${i}`, '10.0.0.3'));
      await writer.remove('fn', `t${i}`);
      const now = (await stat(writer.journal)).ino;
      if (now !== inode) compactions++;
      inode = now;
    }
    assert.ok(compactions > 0, 'the journal was never compacted');
    // 401 changes, one record: what is left is bounded by the slack, not by the history.
    const lines = (await readFile(writer.journal, 'utf8')).split('\n').filter((l) => l !== '');
    assert.ok(lines.length <= 2 + 64, `${lines.length} lines after compaction`);
    assert.deepEqual(
      (await reader.read()).map((r) => r.id),
      ['kept'],
    );
  });
});
