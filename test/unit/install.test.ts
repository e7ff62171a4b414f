import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { execa } from 'execa';
import { install, uninstall, ensureComposeSecrets, upgradeDefaultCompose } from '../../src/install/index.js';
import { DEFAULT_COMPOSE, SPLIT_COMPOSE } from '../../src/install/files.js';
import { DEFAULTS } from '../../src/config/index.js';
import { parseCompose } from '../../src/supervisor/compose.js';
import { startOrder } from '../../src/supervisor/order.js';

const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe('faasd install --root', () => {
  it('lays out state, secrets 0644 in 0700, conflist and units; a second run keeps the password', async () => {
    const root = await mkdtemp(join(tmpdir(), 'faasd-unit-install-'));
    try {
      const o = { config: DEFAULTS, root, faasdCommand: '/usr/local/bin/faasd', start: false, out: sink() };
      await install(o);
      const secrets = join(root, 'var/lib/faasd/secrets');
      assert.equal(await mode(secrets), 0o700);
      assert.equal(await mode(join(root, 'var/lib/faasd-provider/secrets')), 0o700);
      // Readable by a compose service's non-root user through its bind mount; the 0700 directory keeps
      // host users out.
      assert.equal(await mode(join(secrets, 'basic-auth-password')), 0o644);
      assert.equal(await mode(join(secrets, 'basic-auth-user')), 0o644);
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
      // One daemon, one unit: the provider runs inside `faasd up`.
      await assert.rejects(stat(join(root, 'etc/systemd/system/faasd-provider.service')));
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
      for (const unit of ['faasd.service']) {
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

  it('removes the provider unit an older version installed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'faasd-unit-install-'));
    try {
      const units = join(root, 'etc/systemd/system');
      await mkdir(units, { recursive: true });
      await writeFile(
        join(units, 'faasd-provider.service'),
        '[Service]\nExecStart=/usr/local/bin/faasd provider\n',
      );
      await install({
        config: DEFAULTS,
        root,
        faasdCommand: '/usr/local/bin/faasd',
        start: false,
        out: sink(),
      });
      await assert.rejects(stat(join(units, 'faasd-provider.service')));
      assert.match(
        await readFile(join(units, 'faasd.service'), 'utf8'),
        /^ExecStart=\/usr\/local\/bin\/faasd up$/m,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('writes a default compose file with only NATS and Prometheus (the gateway runs in faasd up)', () => {
    const services = parseCompose(DEFAULT_COMPOSE, '/var/lib/faasd', {
      FAASD_IMAGE: 'faasd.local/faasd:1-abc',
    });
    assert.deepEqual(
      startOrder(services).map((s) => s.name),
      ['nats', 'prometheus'],
    );
  });

  it('writes a split compose file faasd up accepts, in a sensible order', () => {
    assert.ok(parse(SPLIT_COMPOSE));
    const services = parseCompose(SPLIT_COMPOSE, '/var/lib/faasd', {
      FAASD_IMAGE: 'faasd.local/faasd:1-abc',
    });
    assert.deepEqual(
      startOrder(services).map((s) => s.name),
      ['nats', 'prometheus', 'gateway', 'queue-worker'],
    );
    const gw = services.find((s) => s.name === 'gateway');
    assert.equal(gw?.image, 'faasd.local/faasd:1-abc');
    // `command` is the whole command line (faasd's dialect): each one names its program.
    for (const s of services.filter((x) => x.command)) {
      assert.ok(s.command?.[0]?.startsWith('/'), `${s.name}: ${String(s.command)}`);
      assert.deepEqual(s.entrypoint, []);
    }
    assert.deepEqual(gw?.command, ['/usr/bin/faasd', 'gateway']);
    assert.deepEqual(gw?.ports, [
      { hostPort: 8080, containerPort: 8080, protocol: 'tcp', hostIP: '0.0.0.0' },
    ]);
  });
});

/** What an install by an older version left: basic-auth files 0600 (and, by hand, a 0755 directory). */
async function olderInstall(root: string): Promise<string> {
  const secrets = join(root, 'var/lib/faasd/secrets');
  await mkdir(secrets, { recursive: true });
  await chmod(secrets, 0o755);
  await writeFile(join(secrets, 'basic-auth-user'), 'admin\n', { mode: 0o600 });
  await writeFile(join(secrets, 'basic-auth-password'), 'older-password\n', { mode: 0o600 });
  return secrets;
}

describe('secrets of an older install', () => {
  it('faasd install fixes their modes and keeps their contents', async () => {
    const root = await mkdtemp(join(tmpdir(), 'faasd-unit-install-'));
    try {
      const secrets = await olderInstall(root);
      await install({
        config: DEFAULTS,
        root,
        faasdCommand: '/usr/local/bin/faasd',
        start: false,
        out: sink(),
      });
      assert.equal(await mode(secrets), 0o700);
      for (const f of ['basic-auth-user', 'basic-auth-password'])
        assert.equal(await mode(join(secrets, f)), 0o644);
      assert.equal(await readFile(join(secrets, 'basic-auth-password'), 'utf8'), 'older-password\n');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('ensureComposeSecrets (run by faasd up) reports what it fixed, then nothing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'faasd-unit-install-'));
    try {
      const secrets = await olderInstall(root);
      const first = await ensureComposeSecrets(secrets);
      assert.deepEqual(first, {
        created: [],
        fixed: [secrets, join(secrets, 'basic-auth-user'), join(secrets, 'basic-auth-password')],
      });
      assert.deepEqual(await ensureComposeSecrets(secrets), { created: [], fixed: [] });
      assert.equal(await mode(join(secrets, 'basic-auth-password')), 0o644);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('ensureComposeSecrets writes missing files, as faasd up does, under any umask', async () => {
    const root = await mkdtemp(join(tmpdir(), 'faasd-unit-install-'));
    const umask = process.umask(0o077);
    try {
      const secrets = join(root, 'state/secrets');
      const r = await ensureComposeSecrets(secrets);
      assert.deepEqual(r.created, [join(secrets, 'basic-auth-user'), join(secrets, 'basic-auth-password')]);
      assert.equal(await mode(secrets), 0o700);
      assert.equal(await mode(join(secrets, 'basic-auth-password')), 0o644);
      assert.equal(await readFile(join(secrets, 'basic-auth-user'), 'utf8'), 'admin\n');
    } finally {
      process.umask(umask);
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('the default compose file of an older version', () => {
  const older = join(import.meta.dirname, '../fixtures/compose/default-before-faasd-command.yaml');

  it('is replaced by today’s when unedited, and left alone when edited', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faasd-unit-install-'));
    try {
      const text = await readFile(older, 'utf8');
      const file = join(dir, 'docker-compose.yaml');
      await writeFile(file, text);
      assert.equal(await upgradeDefaultCompose(file), true);
      assert.equal(await readFile(file, 'utf8'), DEFAULT_COMPOSE);
      assert.equal(await upgradeDefaultCompose(file), false, 'today’s file stays');

      const edited = `${text}# mine\n`;
      await writeFile(file, edited);
      assert.equal(await upgradeDefaultCompose(file), false);
      assert.equal(await readFile(file, 'utf8'), edited);
      assert.equal(await upgradeDefaultCompose(join(dir, 'missing.yaml')), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
