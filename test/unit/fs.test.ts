import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeInPlace } from '../../src/fs.js';

describe('writeFileAtomic / writeInPlace', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faasd-unit-fs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the file with a new one of the given mode and leaves no temp file', async () => {
    const p = join(dir, 'store.json');
    await writeFile(p, 'old\n');
    const before = (await stat(p)).ino;
    await writeFileAtomic(p, 'new\n', 0o600);
    assert.equal(await readFile(p, 'utf8'), 'new\n');
    const after = await stat(p);
    assert.notEqual(after.ino, before);
    assert.equal(after.mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), ['store.json']);
  });

  it('a failed rename keeps what was there and removes its temp file', async () => {
    const p = join(dir, 'taken');
    await mkdir(p);
    await writeFile(join(p, 'inside'), 'kept\n');
    await assert.rejects(writeFileAtomic(p, 'data'), { code: 'EISDIR' });
    assert.deepEqual(await readdir(dir), ['taken']);
    assert.equal(await readFile(join(p, 'inside'), 'utf8'), 'kept\n');
  });

  it('writeInPlace keeps the inode a bind mount pins', async () => {
    const p = join(dir, 'hosts');
    await writeFile(p, 'old\n');
    const before = (await stat(p)).ino;
    await writeInPlace(p, 'new\n');
    assert.equal(await readFile(p, 'utf8'), 'new\n');
    assert.equal((await stat(p)).ino, before);
  });

  it('writeInPlace creates a missing file', async () => {
    const p = join(dir, 'resolv.conf');
    await writeInPlace(p, 'nameserver 192.0.2.53\n');
    assert.equal(await readFile(p, 'utf8'), 'nameserver 192.0.2.53\n');
  });
});
