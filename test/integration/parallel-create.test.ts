import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { testNetwork, type TestNetwork } from '../helpers/network.js';
import { GatedNetwork } from '../helpers/gated-network.js';
import { needsRoot } from '../helpers/root.js';
import { packNamedUserImage } from '../helpers/named-user-image.js';
import { ContainerRuntime } from '../../src/runtime/index.js';
import { CniNetwork } from '../../src/network/index.js';
import { netnsExists, netnsName } from '../../src/network/netns.js';
import { specOf, type Containerd } from '../../src/containerd/index.js';
import { AlreadyExistsError } from '../../src/errors.js';
import { resolveImage } from '../../src/image/index.js';
import { fifoPaths } from '../../src/runtime/log-collector.js';

const IMAGE = 'faasd.test/parallel-app:1';

/** What a create leaves in containerd for `id`: its container, its snapshot, our create leases. */
async function leftovers(c: Containerd, id: string): Promise<string[]> {
  const left: string[] = [];
  if (await c.containers.get(id)) left.push(`container ${id}`);
  for (const s of await c.snapshots.list()) if (s.name === id) left.push(`snapshot ${s.name}`);
  for (const l of await c.leases.list()) if (l.id.startsWith('faasd-create-')) left.push(`lease ${l.id}`);
  return left;
}

/** The container's log FIFOs that exist (a create makes them, for its task's start). */
async function fifosOf(logDir: string, namespace: string, id: string): Promise<string[]> {
  const f = fifoPaths(logDir, namespace, id);
  const there = await Promise.all(
    [f.stdout, f.stderr].map((p) =>
      stat(p).then(
        (s) => s.isFIFO(),
        () => false,
      ),
    ),
  );
  return [f.stdout, f.stderr].filter((_, i) => there[i]);
}

/**
 * Issue #16: create attaches the network (beside making the log FIFOs), then makes the container; any
 * failure undoes all. The container never exists with a half-made attachment: a crash between the two
 * would start its task in a netns that reconcile then removes (provider-crash.test.ts).
 */
describe('create attaches the network, then makes the container', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let net: TestNetwork;
  let dir: string;
  let ns: string;
  let c: Containerd;

  before(async () => {
    ctd = await startContainerd('parallel-create');
    net = await testNetwork('parallel');
    dir = await mkdtemp('/tmp/faasd-test-parallel-create-');
    ns = net.options.coreNamespace;
    c = ctd.client.inNamespace(ns);
    await c.namespaces.ensure(ns);
    // Shaped like an OpenFaaS template's image: USER app, named in the image's own passwd.
    await packNamedUserImage(c, IMAGE, { cmd: ['sleep', '300'] });
  });
  after(async () => {
    await net?.cleanup();
    await ctd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('an attach that fails (no bridge plugin) leaves no container, snapshot, record or netns', async () => {
    const emptyBin = join(dir, 'cni-bin-empty');
    await mkdir(emptyBin);
    const network = new CniNetwork({ ...net.options, cniBinDirs: [emptyBin] });
    const runtime = new ContainerRuntime(ctd.client, { logDir: join(dir, 'logs'), network });
    const spec = { namespace: ns, id: 'nobridge', image: IMAGE, network: true };

    await assert.rejects(runtime.create(spec));

    assert.deepEqual(await leftovers(c, 'nobridge'), []);
    assert.deepEqual(await fifosOf(join(dir, 'logs'), ns, 'nobridge'), []);
    assert.equal(await network.store.find(ns, 'nobridge'), undefined);
    assert.equal(await netnsExists(netnsName(ns, 'nobridge')), false);
  });

  it('the real network: the container is made for the netns the attach gives it', async () => {
    const runtime = new ContainerRuntime(ctd.client, { logDir: join(dir, 'logs'), network: net.network });
    const { ip } = await runtime.create({ namespace: ns, id: 'real', image: IMAGE, network: true });
    try {
      const record = await net.network.store.find(ns, 'real');
      assert.equal(record?.state, 'attached');
      assert.equal(ip, record.ip);
      const spec = specOf((await c.containers.get('real'))!) as {
        linux: { namespaces: { type: string; path?: string }[] };
      };
      const netns = spec.linux.namespaces.find((n) => n.type === 'network');
      assert.equal(netns?.path, record.netns);
      assert.equal(await netnsExists(netnsName(ns, 'real')), true);
    } finally {
      await runtime.remove(ns, 'real');
    }
  });

  it('makes no container while the attach waits; the container comes once it is done', async () => {
    const network = new GatedNetwork('10.9.9.9');
    const runtime = new ContainerRuntime(ctd.client, { logDir: join(dir, 'logs'), network });
    let settled = false;
    const creating = runtime
      .create({ namespace: ns, id: 'held', image: IMAGE, network: true })
      .finally(() => (settled = true));
    try {
      await network.attaching;
      // Held by the test: nothing after the attach can have run.
      assert.equal(await c.containers.get('held'), undefined, 'a container before its attach finished');
      assert.equal(settled, false, 'create returned before its attach finished');
      network.finish();
      assert.deepEqual(await creating, { ip: '10.9.9.9' });
      assert.equal((await fifosOf(join(dir, 'logs'), ns, 'held')).length, 2, 'the FIFOs are made by create');
      const spec = specOf((await c.containers.get('held'))!) as {
        linux: { namespaces: { type: string; path?: string }[] };
      };
      assert.equal(
        spec.linux.namespaces.find((n) => n.type === 'network')?.path,
        network.netnsPathFor(ns, 'held'),
      );
    } finally {
      network.finish();
      await creating.catch(() => undefined);
      await runtime.remove(ns, 'held');
    }
    assert.deepEqual(await leftovers(c, 'held'), []);
  });

  it('an attach that fails after it began leaves nothing: no container, snapshot or FIFOs', async () => {
    const network = new GatedNetwork();
    const runtime = new ContainerRuntime(ctd.client, { logDir: join(dir, 'logs'), network });
    const creating = runtime.create({ namespace: ns, id: 'late-fail', image: IMAGE, network: true });
    await network.attaching;
    const failure = new Error('bridge plugin failed');
    network.fail(failure);

    await assert.rejects(creating, (err) => err === failure);

    assert.deepEqual(await leftovers(c, 'late-fail'), []);
    assert.deepEqual(await fifosOf(join(dir, 'logs'), ns, 'late-fail'), []);
    assert.deepEqual(network.calls, [`attach ${ns}/late-fail`, `detach ${ns}/late-fail`]);
  });

  it('a container create that fails after the attach detaches it', async () => {
    // The snapshot key is taken: prepare fails (AlreadyExists) once the attach is done.
    const image = await resolveImage(c, IMAGE);
    const lease = await c.leases.create('test-taken');
    await c.snapshots.prepare('taken', image.chainId, {}, { lease });
    const network = new GatedNetwork();
    const runtime = new ContainerRuntime(ctd.client, { logDir: join(dir, 'logs'), network });
    try {
      const creating = runtime.create({ namespace: ns, id: 'taken', image: IMAGE, network: true });
      await network.attaching;
      network.finish();

      await assert.rejects(creating, AlreadyExistsError);

      assert.deepEqual(network.calls, [`attach ${ns}/taken`, `attached ${ns}/taken`, `detach ${ns}/taken`]);
      assert.equal(network.attached.size, 0);
      assert.equal(await c.containers.get('taken'), undefined);
      // Not ours: the snapshot that was there before stays.
      assert.ok((await c.snapshots.list()).some((s) => s.name === 'taken'));
    } finally {
      await c.snapshots.remove('taken').catch(() => undefined);
      await c.leases.delete(lease);
    }
  });
});
