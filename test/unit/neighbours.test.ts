import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureNeighbourRoom, neighbourLimitsFor } from '../../src/network/neighbours.js';

describe('neighbour table room for the subnet', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const procLike = async (thresh2: number, thresh3: number) => {
    const dir = await mkdtemp(join(tmpdir(), 'neigh-'));
    dirs.push(dir);
    await writeFile(join(dir, 'gc_thresh2'), `${thresh2}\n`);
    await writeFile(join(dir, 'gc_thresh3'), `${thresh3}\n`);
    return dir;
  };
  const read = async (dir: string, f: string) => Number((await readFile(join(dir, f), 'utf8')).trim());

  it('sizes the limits to the subnet, within the kernel default and a ceiling', () => {
    assert.deepEqual(neighbourLimitsFor(24), { soft: 512, hard: 1024 });
    assert.deepEqual(neighbourLimitsFor(21), { soft: 1024, hard: 2048 });
    assert.deepEqual(neighbourLimitsFor(16), { soft: 16_384, hard: 32_768 });
  });

  it('raises the kernel defaults for a /16 and says what it changed', async () => {
    const dir = await procLike(512, 1024);
    assert.deepEqual(await ensureNeighbourRoom(16, dir), [
      'gc_thresh3 1024 -> 32768',
      'gc_thresh2 512 -> 16384',
    ]);
    assert.equal(await read(dir, 'gc_thresh3'), 32_768);
    assert.equal(await read(dir, 'gc_thresh2'), 16_384);
  });

  it('never lowers what the host has set', async () => {
    const dir = await procLike(40_000, 80_000);
    assert.deepEqual(await ensureNeighbourRoom(16, dir), []);
    assert.equal(await read(dir, 'gc_thresh3'), 80_000);
    assert.equal(await read(dir, 'gc_thresh2'), 40_000);
  });
});
