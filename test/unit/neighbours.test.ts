import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backlogFor, ensureKernelRoom, neighbourLimitsFor } from '../../src/network/neighbours.js';

describe('kernel room for the subnet: neighbour table and backlog', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const procLike = async (thresh2: number, thresh3: number, backlog = 1000, thresh1 = 128) => {
    const dir = await mkdtemp(join(tmpdir(), 'neigh-'));
    dirs.push(dir);
    await writeFile(join(dir, 'gc_thresh1'), `${thresh1}\n`);
    await writeFile(join(dir, 'gc_thresh2'), `${thresh2}\n`);
    await writeFile(join(dir, 'gc_thresh3'), `${thresh3}\n`);
    await writeFile(join(dir, 'netdev_max_backlog'), `${backlog}\n`);
    return dir;
  };
  const both = (dir: string) => ({ neigh: dir, core: dir });
  const read = async (dir: string, f: string) => Number((await readFile(join(dir, f), 'utf8')).trim());

  // The table is the host's, shared by every netns: each container costs the host's entry for it and
  // its own entry for the gateway (a /21 with 1,000 functions held ~2,010 of 2,048: overflow).
  // Kept: two per address are never collected (gc_thresh1), with room above before the kernel collects
  // (soft) or refuses (hard); a collected entry costs a broadcast to every port when next used.
  const cases = [
    { name: 'a /24: two entries per address kept', input: 24, want: { keep: 512, soft: 1024, hard: 2048 } },
    { name: 'a /23', input: 23, want: { keep: 1024, soft: 2048, hard: 4096 } },
    { name: "the bench's /21", input: 21, want: { keep: 4096, soft: 8192, hard: 16_384 } },
    { name: 'a /20', input: 20, want: { keep: 8192, soft: 16_384, hard: 32_768 } },
    { name: 'a /16 stops at the ceiling', input: 16, want: { keep: 8192, soft: 16_384, hard: 32_768 } },
    { name: 'a /30 keeps the kernel defaults', input: 30, want: { keep: 128, soft: 512, hard: 1024 } },
  ];
  for (const c of cases)
    it(`sizes the limits: ${c.name}`, () => assert.deepEqual(neighbourLimitsFor(c.input), c.want));

  // One broadcast on the bridge queues a copy per port on the CPU's backlog (1,000 by default): at
  // ~1,000 ports the first ports' copies were dropped, so the host's ARP never reached them.
  const backlogs = [
    { name: 'a /24 (256 ports at most) fits the default', input: 24, want: 1000 },
    { name: "the bench's /21: twice the bridge's 1,024 ports", input: 21, want: 2048 },
    { name: 'a /16: still the bridge port ceiling', input: 16, want: 2048 },
  ];
  for (const c of backlogs)
    it(`sizes the backlog: ${c.name}`, () => assert.equal(backlogFor(c.input), c.want));

  it('raises the kernel defaults for a /16 and says what it changed', async () => {
    const dir = await procLike(512, 1024);
    assert.deepEqual(await ensureKernelRoom(16, both(dir)), [
      'gc_thresh3 1024 -> 32768',
      'gc_thresh2 512 -> 16384',
      'gc_thresh1 128 -> 8192',
      'netdev_max_backlog 1000 -> 2048',
    ]);
    assert.equal(await read(dir, 'gc_thresh1'), 8192);
    assert.equal(await read(dir, 'gc_thresh3'), 32_768);
    assert.equal(await read(dir, 'gc_thresh2'), 16_384);
    assert.equal(await read(dir, 'netdev_max_backlog'), 2048);
  });

  it('never lowers what the host has set', async () => {
    const dir = await procLike(40_000, 80_000, 5000, 20_000);
    assert.deepEqual(await ensureKernelRoom(16, both(dir)), []);
    assert.equal(await read(dir, 'gc_thresh3'), 80_000);
    assert.equal(await read(dir, 'gc_thresh2'), 40_000);
    assert.equal(await read(dir, 'gc_thresh1'), 20_000);
    assert.equal(await read(dir, 'netdev_max_backlog'), 5000);
  });
});
