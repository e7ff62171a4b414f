import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { gatewayOf } from '../../src/network/index.js';
import { IpamStore, type AttachmentRecord } from '../../src/network/ipam-store.js';
import { renderHosts, deriveResolvConf } from '../../src/network/hosts-file.js';
import { writeInPlace } from '../../src/fs.js';

const WORKER = join(import.meta.dirname, '../helpers/store-worker.ts');

describe('IPAM store', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faasd-unit-store-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('loses no update under concurrent writers in several processes', async () => {
    const path = join(dir, 'ipam.json');
    const runs = await Promise.all(
      ['a', 'b', 'c', 'd'].map((t) =>
        execa('node', ['--import', 'tsx', WORKER, path, t, '25'], { reject: false }),
      ),
    );
    for (const r of runs) assert.equal(r.exitCode, 0, r.stderr);
    const records = await new IpamStore(path).read();
    assert.equal(records.length, 100);
    assert.equal(new Set(records.map((r) => `${r.namespace}/${r.id}`)).size, 100);
    // No temp files or lock left beside it.
    assert.deepEqual(await readdir(dir), ['ipam.journal']);
  });

  it('a lock left by a SIGKILLed holder goes stale, and the next writer proceeds', async () => {
    const path = join(dir, 'killed.json');
    const holder = spawn(
      'node',
      ['--import', 'tsx', join(import.meta.dirname, '../helpers/lock-holder.ts'), path],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (c: Buffer) => (c.toString().includes('locked') ? resolve() : undefined));
      holder.once('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
    });
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    const records = await new IpamStore(path).update((rs) => [
      ...rs,
      { namespace: 'n', id: 'after-kill', netns: '', ifname: 'eth0', state: 'attached', createdAt: '' },
    ]);
    assert.deepEqual(
      records.map((r) => r.id),
      ['after-kill'],
    );
  });

  it('reads a missing store as empty', async () => {
    assert.deepEqual(await new IpamStore(join(dir, 'none.json')).read(), []);
  });
});

describe('hosts and resolv.conf', () => {
  const rec = (
    namespace: string,
    id: string,
    ip: string,
    state: AttachmentRecord['state'] = 'attached',
  ): AttachmentRecord => ({
    namespace,
    id,
    ip,
    netns: '',
    ifname: 'eth0',
    state,
    createdAt: '',
  });

  it('lists localhost, the provider at the gateway, and core services by name only', () => {
    const text = renderHosts(
      [
        rec('openfaas', 'nats', '10.62.0.3'),
        rec('openfaas', 'gateway', '10.62.0.2'),
        rec('openfaas-fn', 'figlet', '10.62.0.9'),
        rec('openfaas', 'x', '10.62.0.4', 'pending'),
      ],
      'openfaas',
      '10.62.0.1',
    );
    assert.equal(
      text,
      '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.62.0.1\tfaasd-provider\n10.62.0.2\tgateway\n10.62.0.3\tnats\n',
    );
  });

  it('rewrites a file in place, keeping its inode', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faasd-unit-hosts-'));
    try {
      const p = join(dir, 'hosts');
      await writeFile(p, 'old\n');
      const before = (await stat(p)).ino;
      await writeInPlace(p, 'new\n');
      assert.equal((await stat(p)).ino, before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('drops loopback nameservers and falls back to systemd-resolved upstream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faasd-unit-resolv-'));
    try {
      await writeFile(
        join(dir, 'stub'),
        '# stub\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n',
      );
      await writeFile(join(dir, 'upstream'), 'nameserver 192.0.2.53\nsearch lan\n');
      assert.equal(
        await deriveResolvConf(join(dir, 'stub'), join(dir, 'upstream')),
        'nameserver 192.0.2.53\nsearch lan\n',
      );
      await writeFile(join(dir, 'plain'), 'nameserver 127.0.0.1\nnameserver 192.0.2.1\n');
      assert.equal(await deriveResolvConf(join(dir, 'plain'), join(dir, 'absent')), 'nameserver 192.0.2.1\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('derives the bridge gateway from the subnet', () => {
    assert.equal(gatewayOf('10.62.0.0/16'), '10.62.0.1');
    assert.equal(gatewayOf('10.200.7.0/24'), '10.200.7.1');
    assert.throws(() => gatewayOf('nonsense'));
  });
});
