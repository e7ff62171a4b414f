import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkIsUp } from '../../src/network/bridge.js';

describe('linkIsUp reads IFF_UP from sysfs (a restart spawns no `ip link set up` for an up bridge)', () => {
  const sysfs = mkdtempSync(join(tmpdir(), 'sysfs-'));
  after(() => rmSync(sysfs, { recursive: true, force: true }));
  const cases: { name: string; flags: string | undefined; want: boolean }[] = [
    { name: 'up (a bridge as ip shows UP)', flags: '0x1003\n', want: true },
    { name: 'down', flags: '0x1002\n', want: false },
    { name: 'not there', flags: undefined, want: false },
    { name: 'unreadable text', flags: 'garbage\n', want: false },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const dev = `br-${c.name.split(' ')[0]}`;
      if (c.flags !== undefined) {
        mkdirSync(join(sysfs, dev));
        writeFileSync(join(sysfs, dev, 'flags'), c.flags);
      }
      assert.equal(await linkIsUp(dev, sysfs), c.want);
    });
  }
});
