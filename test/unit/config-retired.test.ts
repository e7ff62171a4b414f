import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, resolveConfig } from '../../src/config/index.js';
import { readConfigFile } from '../../src/config/resolve.js';

/** FAASD_NETNS_DIR / netnsDir were never read by the network: set, they warn once and change nothing. */
describe('settings no longer read', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faasd-config-retired-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const resolveWith = (env: NodeJS.ProcessEnv, file: object) => {
    const warnings: string[] = [];
    const cfg = resolveConfig({}, env, file, (m) => warnings.push(m));
    return { cfg, warnings };
  };

  const cases = [
    {
      name: 'the environment',
      env: { FAASD_NETNS_DIR: '/run/other' },
      file: {},
      want: [
        'FAASD_NETNS_DIR is no longer read: network namespaces are always in /var/run/netns (iproute2 takes no other folder)',
      ],
    },
    {
      name: 'the config file',
      env: {},
      file: { netnsDir: '/run/other' },
      want: [
        'config file setting netnsDir is no longer read: network namespaces are always in /var/run/netns (iproute2 takes no other folder)',
      ],
    },
    { name: 'an empty variable', env: { FAASD_NETNS_DIR: '' }, file: {}, want: [] },
    { name: 'nothing retired', env: { FAASD_BRIDGE: 'b0' }, file: { subnet: '10.9.0.0/16' }, want: [] },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.want.length} warning line(s), the setting dropped`, () => {
      const { cfg, warnings } = resolveWith(c.env, c.file);
      assert.deepEqual(warnings, c.want);
      assert.equal('netnsDir' in cfg, false);
    });
  }

  it('a config file from before still loads (no "unknown setting"), its other settings applied', async () => {
    const path = join(dir, 'old.json');
    await writeFile(path, JSON.stringify({ netnsDir: '/run/other', bridge: 'old0' }));
    const { cfg, warnings } = resolveWith({}, readConfigFile(path));
    assert.equal(cfg.bridge, 'old0');
    assert.equal(warnings.length, 1);
    assert.deepEqual({ ...cfg, bridge: DEFAULTS.bridge }, DEFAULTS);
  });
});
