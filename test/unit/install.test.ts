import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { execa } from 'execa';
import { install, uninstall, DEFAULT_COMPOSE } from '../../src/install/index.js';
import { DEFAULTS } from '../../src/config/index.js';
import { parseCompose, startOrder } from '../../src/supervisor/index.js';

const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe('faasd install --root', () => {
  it('lays out state, secrets 0600 in 0700, conflist and units; a second run keeps the password', async () => {
    const root = await mkdtemp(join(tmpdir(), 'faasd-unit-install-'));
    try {
      const o = { config: DEFAULTS, root, faasdCommand: '/usr/local/bin/faasd', start: false, out: sink() };
      await install(o);
      const secrets = join(root, 'var/lib/faasd/secrets');
      assert.equal(await mode(secrets), 0o700);
      assert.equal(await mode(join(root, 'var/lib/faasd-provider/secrets')), 0o700);
      assert.equal(await mode(join(secrets, 'basic-auth-password')), 0o600);
      assert.equal((await readFile(join(secrets, 'basic-auth-user'), 'utf8')).trim(), 'admin');
      const password = await readFile(join(secrets, 'basic-auth-password'), 'utf8');
      assert.ok(password.trim().length >= 24);
      const conflist = JSON.parse(
        await readFile(join(root, 'etc/cni/net.d/10-openfaas.conflist'), 'utf8'),
      ) as { plugins: { type: string; bridge?: string }[] };
      assert.deepEqual(
        conflist.plugins.map((p) => p.type),
        ['bridge', 'firewall', 'portmap'],
      );
      assert.equal(conflist.plugins[0]?.bridge, 'openfaas0');
      const unit = await readFile(join(root, 'etc/systemd/system/faasd.service'), 'utf8');
      assert.match(unit, /^ExecStart=\/usr\/local\/bin\/faasd up$/m);
      assert.match(unit, /^Requires=containerd\.service$/m);
      assert.match(unit, /^Restart=on-failure$/m);
      assert.match(
        await readFile(join(root, 'etc/systemd/system/faasd-provider.service'), 'utf8'),
        /^ExecStart=\/usr\/local\/bin\/faasd provider$/m,
      );
      assert.equal(await readFile(join(root, 'var/lib/faasd/docker-compose.yaml'), 'utf8'), DEFAULT_COMPOSE);

      await install(o);
      assert.equal(await readFile(join(secrets, 'basic-auth-password'), 'utf8'), password);

      await uninstall({ ...o, purgeSecrets: false });
      await assert.rejects(stat(join(root, 'etc/systemd/system/faasd.service')));
      await assert.rejects(stat(join(root, 'var/lib/faasd/docker-compose.yaml')));
      assert.equal(await readFile(join(secrets, 'basic-auth-password'), 'utf8'), password);
      await uninstall({ ...o, purgeSecrets: true });
      await assert.rejects(stat(join(root, 'var/lib/faasd')));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('writes units that systemd-analyze verify accepts', async (t) => {
    if ((await execa('systemd-analyze', ['--version'], { reject: false })).exitCode !== 0) {
      t.skip('systemd-analyze is not installed');
      return;
    }
    const root = await mkdtemp(join(tmpdir(), 'faasd-unit-install-'));
    try {
      // ExecStart must name an executable for verify: node itself stands in for the faasd command.
      await install({ config: DEFAULTS, root, faasdCommand: process.execPath, start: false, out: sink() });
      for (const unit of ['faasd.service', 'faasd-provider.service']) {
        const res = await execa('systemd-analyze', ['verify', join(root, 'etc/systemd/system', unit)], {
          reject: false,
        });
        assert.equal(res.exitCode, 0, res.stderr);
        assert.equal(res.stderr, '', `${unit}: ${res.stderr}`);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('writes a default compose file faasd up accepts, in a sensible order', () => {
    assert.ok(parse(DEFAULT_COMPOSE));
    const services = parseCompose(DEFAULT_COMPOSE, '/var/lib/faasd', {
      FAASD_IMAGE: 'faasd.local/faasd:1-abc',
    });
    assert.deepEqual(
      startOrder(services).map((s) => s.name),
      ['nats', 'prometheus', 'gateway', 'queue-worker'],
    );
    const gw = services.find((s) => s.name === 'gateway');
    assert.equal(gw?.image, 'faasd.local/faasd:1-abc');
    assert.deepEqual(gw?.ports, [
      { hostPort: 8080, containerPort: 8080, protocol: 'tcp', hostIP: '0.0.0.0' },
    ]);
  });
});
