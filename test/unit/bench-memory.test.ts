import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { faasdSubcommand, parseSmapsRollup } from '../../bench/memory.js';

describe('bench: finding faasd-ts processes by what they run', () => {
  const cases: { name: string; input: string[]; want: string | undefined }[] = [
    {
      name: 'the single-file executable',
      input: ['/usr/local/bin/faasd-linux-amd64', 'provider'],
      want: 'provider',
    },
    { name: 'the core image', input: ['/usr/bin/node', '/usr/bin/faasd', 'gateway'], want: 'gateway' },
    {
      name: 'the bundle, with V8 flags',
      input: ['node', '--max-semi-space-size=4', '/x/dist/bundle/faasd.mjs', 'up', '--compose', 'c.yaml'],
      want: 'up',
    },
    {
      name: 'the sources through tsx',
      input: ['node', '--import', 'tsx', '/w/src/cli/main.ts', 'queue-worker'],
      want: 'queue-worker',
    },
    {
      name: 'the built CLI',
      input: ['node', '/w/dist/cli/main.js', 'provider', '--listen', 'x'],
      want: 'provider',
    },
    { name: 'one daemon without a subcommand', input: ['/usr/bin/faasd'], want: 'faasd' },
    { name: 'nats-server is not ours', input: ['/usr/sbin/nats-server', '-js'], want: undefined },
    { name: 'a Node function is not ours', input: ['/usr/bin/node', '/fn/index.js'], want: undefined },
    {
      name: 'a path that merely mentions faasd',
      input: ['/usr/bin/prometheus', '--x=/var/lib/faasd'],
      want: undefined,
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(faasdSubcommand(c.input), c.want));
});

describe('bench: reading smaps_rollup', () => {
  it('takes Pss and Rss in kB', () => {
    const text = [
      '55d0c0a00000-7ffd7e1f5000 ---p 00000000 00:00 0                          [rollup]',
      'Rss:               95436 kB',
      'Pss:               52736 kB',
      'Pss_Anon:          33120 kB',
      'Shared_Clean:      42012 kB',
    ].join('\n');
    assert.deepEqual(parseSmapsRollup(text), { pssKb: 52736, rssKb: 95436 });
  });

  it('a file without them is an error, not a zero', () => {
    assert.throws(() => parseSmapsRollup(''), /without Pss\/Rss/);
  });
});
