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

  // The table is the host's, shared by every netns: each container costs the host's entry for it and
  // its own entry for the gateway (a /21 with 1,000 functions held ~2,010 of 2,048: overflow).
  const cases = [
    { name: 'a /24 stays within the kernel defaults', input: 24, want: { soft: 512, hard: 1024 } },
    { name: 'a /23: two entries per address', input: 23, want: { soft: 512, hard: 1024 } },
    { name: "the bench's /21: two entries per address", input: 21, want: { soft: 2048, hard: 4096 } },
    { name: 'a /20', input: 20, want: { soft: 4096, hard: 8192 } },
    { name: 'a /16 stops at the ceiling', input: 16, want: { soft: 16_384, hard: 32_768 } },
  ];
  for (const c of cases)
    it(`sizes the limits: ${c.name}`, () => assert.deepEqual(neighbourLimitsFor(c.input), c.want));

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
