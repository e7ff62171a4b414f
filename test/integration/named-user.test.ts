import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { testNetwork, type TestNetwork } from '../helpers/network.js';
import { needsRoot } from '../helpers/root.js';
import { pollUntil } from '../helpers/wait.js';
import { APP_USER, packNamedUserImage } from '../helpers/named-user-image.js';
import { ContainerRuntime, parseLogLine } from '../../src/runtime/index.js';
import { listNetns, netnsName } from '../../src/network/netns.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { hostNofileLimit } from '../../src/runtime/rlimit.js';
import { readImageFiles } from '../../src/runtime/image-files.js';
import { resolveImage } from '../../src/image/index.js';

/** `Uid:`, `Gid:` and `Groups:` of /proc/<pid>/status, as numbers. */
async function ids(pid: number): Promise<Record<'Uid' | 'Gid' | 'Groups', number[]>> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number[] =>
    (new RegExp(`^${name}:(.*)$`, 'm').exec(status)?.[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  return { Uid: field('Uid'), Gid: field('Gid'), Groups: field('Groups') };
}

describe('users as images define them (USER app)', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let net: TestNetwork;
  let work: string;
  let runtime: ContainerRuntime;
  let ns: string;
  let image: string;

  before(async () => {
    ctd = await startContainerd('users');
    net = await testNetwork('users');
    work = await mkdtemp('/tmp/faasd-test-users-work-');
    ns = net.options.coreNamespace;
    runtime = new ContainerRuntime(ctd.client, {
      logDir: join(work, 'logs'),
      network: net.network,
      stopGraceMs: 2000,
    });
    image = (await packNamedUserImage(ctd.client.inNamespace(ns), 'faasd.test/named-user:1')).name;
  });
  after(async () => {
    await ctd?.stop();
    await net?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('runs as the named user with its groups and HOME, and reads a 0644 secret from a 0700 root dir', async () => {
    const secrets = join(work, 'secrets');
    await mkdir(secrets, { mode: 0o700 });
    await chmod(secrets, 0o700);
    await writeFile(join(secrets, 'token'), 'sekrit\n', { mode: 0o644 });
    const running = await runtime.run({
      namespace: ns,
      id: 'named',
      image,
      network: true,
      args: ['sh', '-c', 'cat /var/openfaas/secrets/token && echo read-ok; exec sleep 600'],
      mounts: [
        { source: join(secrets, 'token'), destination: '/var/openfaas/secrets/token', readonly: true },
      ],
    });
    try {
      const lines = await pollUntil('the container to report', async () => {
        const text = await readFile(running.logPath, 'utf8').catch(() => '');
        const parsed = text.split('\n').map(parseLogLine);
        return parsed.some((l) => l?.text === 'read-ok') ? parsed : undefined;
      });
      assert.deepEqual(
        lines.filter((l) => l?.stream === 'stdout').map((l) => l?.text),
        ['sekrit', 'read-ok'],
      );
      assert.deepEqual(await ids(running.pid), {
        Uid: [APP_USER.uid, APP_USER.uid, APP_USER.uid, APP_USER.uid],
        Gid: [APP_USER.gid, APP_USER.gid, APP_USER.gid, APP_USER.gid],
        Groups: [APP_USER.extraGroup.gid],
      });
      const environ = (await readFile(`/proc/${running.pid}/environ`, 'utf8')).split('\0');
      assert.ok(environ.includes(`HOME=${APP_USER.home}`), environ.join(' '));
      // Docker's RLIMIT_NOFILE reaches the process (containerd's default would be 1024), or on a host
      // without CAP_SYS_RESOURCE the most it allows.
      const nofile = await hostNofileLimit();
      assert.ok(nofile > 1024);
      assert.match(
        await readFile(`/proc/${running.pid}/limits`, 'utf8'),
        new RegExp(`^Max open files\\s+${nofile}\\s+${nofile}\\s`, 'm'),
      );
    } finally {
      await runtime.remove(ns, 'named');
    }
    const views = (await ctd.client.inNamespace(ns).snapshots.list()).filter((s) =>
      s.name.includes('faasd-view'),
    );
    assert.deepEqual(views, []);
  });

  it('an override in any Docker form resolves in the image (uid:groupname, no supplementary groups)', async () => {
    const running = await runtime.run({
      namespace: ns,
      id: 'override',
      image,
      user: `${APP_USER.uid}:${APP_USER.extraGroup.name}`,
      args: ['sleep', '600'],
    });
    try {
      assert.deepEqual(await ids(running.pid), {
        Uid: [APP_USER.uid, APP_USER.uid, APP_USER.uid, APP_USER.uid],
        Gid: Array<number>(4).fill(APP_USER.extraGroup.gid),
        Groups: [],
      });
    } finally {
      await runtime.remove(ns, 'override');
    }
  });

  it('reads passwd through an overlay of several layers (the upper one wins) and unmounts', async () => {
    const c = ctd.client.inNamespace(ns);
    const base = await resolveImage(c, image);
    // A lease keeps the test's snapshots from GC (a prepared one without a container is fair game).
    await c.leases.with('test-layer2', async (lease) => {
      // A second layer on the image's snapshot that replaces /etc/passwd, committed as containerd would.
      const mounts = await c.snapshots.prepare('layer2-active', base.chainId, {}, { lease });
      try {
        const upper = mounts[0]?.options.find((o) => o.startsWith('upperdir='))?.slice('upperdir='.length);
        assert.ok(upper, JSON.stringify(mounts));
        await mkdir(join(upper, 'etc'));
        await writeFile(join(upper, 'etc/passwd'), 'app:x:13000:13000::/srv:/bin/sh\n');
        await c.snapshots.commit('layer2', 'layer2-active', {}, { lease });
      } finally {
        await c.snapshots.remove('layer2-active');
      }
      try {
        const [passwd, group, absent] = await readImageFiles(
          c,
          { name: image, chainId: 'layer2' },
          ['/etc/passwd', '/etc/group', '/etc/shadow'],
          'two-layers',
        );
        assert.equal(passwd, 'app:x:13000:13000::/srv:/bin/sh\n');
        assert.match(group ?? '', /^extra:x:12001:app$/m);
        assert.equal(absent, undefined);
      } finally {
        await c.snapshots.remove('layer2');
      }
    });
    const mounted = (await readFile('/proc/self/mounts', 'utf8'))
      .split('\n')
      .filter((l) => l.includes('faasd-rootfs-'));
    assert.deepEqual(mounted, []);
    assert.deepEqual(
      (await c.snapshots.list()).filter((s) => s.name.includes('faasd-view')),
      [],
    );
  });

  it('an unknown user name is a 400 naming image and user, and creates nothing', async () => {
    const c = ctd.client.inNamespace(ns);
    const snapshotsBefore = (await c.snapshots.list()).map((s) => s.name).sort();
    await assert.rejects(
      runtime.run({ namespace: ns, id: 'ghost', image, user: 'ghost', network: true, args: ['true'] }),
      (err) =>
        err instanceof InvalidArgumentError &&
        err.status === 400 &&
        err.field === 'user' &&
        err.message.includes(image) &&
        err.message.includes('"ghost"'),
    );
    assert.equal(await c.containers.get('ghost'), undefined);
    assert.deepEqual((await c.snapshots.list()).map((s) => s.name).sort(), snapshotsBefore);
    assert.deepEqual(await net.network.records(ns), []);
    assert.equal((await listNetns()).includes(netnsName(ns, 'ghost')), false);
    assert.deepEqual(
      (await c.leases.list()).filter((l) => l.id.startsWith('faasd-view')),
      [],
    );
  });
});
