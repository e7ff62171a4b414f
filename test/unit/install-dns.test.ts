import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { resolveConfig } from '../../src/config/index.js';
import { install } from '../../src/install/index.js';
import { InvalidArgumentError } from '../../src/errors.js';

const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('faasd install --dns', () => {
  it('writes FAASD_DNS into the unit, so the next start uses those nameservers', async () => {
    const root = await mkdtemp(join(tmpdir(), 'faasd-test-dns-'));
    try {
      await install({
        config: resolveConfig({}, {}, {}),
        root,
        start: false,
        out: quiet(),
        dns: ['1.1.1.1', '9.9.9.9'],
      });
      const text = await readFile(join(root, 'etc/systemd/system/faasd.service'), 'utf8');
      assert.match(text, /^Environment=FAASD_DNS=1\.1\.1\.1,9\.9\.9\.9$/m);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('writes no DNS setting without --dns (the host resolvers)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'faasd-test-dns-'));
    try {
      await install({ config: resolveConfig({}, {}, {}), root, start: false, out: quiet() });
      assert.doesNotMatch(
        await readFile(join(root, 'etc/systemd/system/faasd.service'), 'utf8'),
        /FAASD_DNS/,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('refuses a name instead of an address, naming it, and writes nothing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'faasd-test-dns-'));
    try {
      await assert.rejects(
        install({ config: resolveConfig({}, {}, {}), root, start: false, out: quiet(), dns: ['dns.google'] }),
        (err: unknown) =>
          err instanceof InvalidArgumentError && err.field === '--dns' && err.message.includes('dns.google'),
      );
      await assert.rejects(access(join(root, 'etc')));
      await assert.rejects(access(join(root, 'var')));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
