import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UserFilesCache } from '../../src/runtime/user-files-cache.js';
import type { UserFiles } from '../../src/runtime/user.js';

const FILES: UserFiles = { passwd: 'app:x:12000:12000::/home/app:/sbin/nologin\n', group: 'app:x:12000:\n' };

/** A reader that counts its reads per chain ID and answers what it is given. */
class CountingReader {
  readonly reads = new Map<string, number>();
  constructor(private readonly answer: () => Promise<UserFiles> = () => Promise.resolve(FILES)) {}
  for(chainId: string): () => Promise<UserFiles> {
    return () => {
      this.reads.set(chainId, (this.reads.get(chainId) ?? 0) + 1);
      return this.answer();
    };
  }
}

describe('UserFilesCache: an image passwd and group, read once per chain ID', () => {
  it('reads an image once; another image is read on its own', async () => {
    const cache = new UserFilesCache();
    const r = new CountingReader();
    assert.deepEqual(await cache.get('sha256:a', r.for('sha256:a')), FILES);
    assert.deepEqual(await cache.get('sha256:a', r.for('sha256:a')), FILES);
    await cache.get('sha256:b', r.for('sha256:b'));
    assert.deepEqual(Object.fromEntries(r.reads), { 'sha256:a': 1, 'sha256:b': 1 });
  });

  it('creates at once share one read', async () => {
    const cache = new UserFilesCache();
    const r = new CountingReader();
    const got = await Promise.all([1, 2, 3].map(() => cache.get('sha256:a', r.for('sha256:a'))));
    assert.deepEqual(got, [FILES, FILES, FILES]);
    assert.equal(r.reads.get('sha256:a'), 1);
  });

  it('a failed read is not kept: the next create reads again', async () => {
    const cache = new UserFilesCache();
    const failing = new CountingReader(() => Promise.reject(new Error('view failed')));
    await assert.rejects(cache.get('sha256:a', failing.for('sha256:a')), /view failed/);
    const r = new CountingReader();
    assert.deepEqual(await cache.get('sha256:a', r.for('sha256:a')), FILES);
    assert.equal(r.reads.get('sha256:a'), 1);
    assert.equal(cache.size, 1);
  });

  it('files over 64 KiB are read each time, not kept', async () => {
    const cache = new UserFilesCache();
    const big: UserFiles = { passwd: 'x'.repeat(64 * 1024), group: 'y' };
    const r = new CountingReader(() => Promise.resolve(big));
    await cache.get('sha256:big', r.for('sha256:big'));
    await cache.get('sha256:big', r.for('sha256:big'));
    assert.equal(r.reads.get('sha256:big'), 2);
    assert.equal(cache.size, 0);
  });

  it('without a chain ID nothing is kept', async () => {
    const cache = new UserFilesCache();
    const r = new CountingReader();
    await cache.get('', r.for(''));
    await cache.get('', r.for(''));
    assert.equal(r.reads.get(''), 2);
    assert.equal(cache.size, 0);
  });

  it('keeps at most 64 images, dropping the least recently used', async () => {
    const cache = new UserFilesCache();
    const r = new CountingReader();
    for (let i = 0; i < 64; i++) await cache.get(`sha256:${i}`, r.for(`sha256:${i}`));
    await cache.get('sha256:0', r.for('sha256:0')); // used again: now the most recent
    await cache.get('sha256:64', r.for('sha256:64')); // one more: sha256:1 goes
    assert.equal(cache.size, 64);
    await cache.get('sha256:0', r.for('sha256:0'));
    await cache.get('sha256:1', r.for('sha256:1'));
    assert.equal(r.reads.get('sha256:0'), 1);
    assert.equal(r.reads.get('sha256:1'), 2);
  });
});
