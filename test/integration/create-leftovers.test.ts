import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { packBusybox } from '../helpers/busybox.js';
import { resolveImage } from '../../src/image/index.js';
import { ContainerRuntime, sweepCreateLeftovers } from '../../src/runtime/index.js';

const NS = 'leftovers';

/** bench/chaos found these after a SIGKILL of faasd up mid-deploy: a create lease and a prepared snapshot. */
describe('what an interrupted create leaves is swept at start', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let dir: string;
  before(async () => {
    ctd = await startContainerd('leftovers');
    dir = await mkdtemp('/tmp/faasd-test-leftovers-');
  });
  after(async () => {
    await ctd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('removes our create lease and the snapshot no container uses; keeps a container and its snapshot', async () => {
    const c = ctd.client.inNamespace(NS);
    await c.namespaces.ensure(NS);
    await packBusybox(c, 'faasd.test/busybox:1');
    const image = await resolveImage(c, 'faasd.test/busybox:1');
    // A container that exists (no network: nothing else to clean).
    const runtime = new ContainerRuntime(ctd.client, { logDir: join(dir, 'logs') });
    await runtime.create({ namespace: NS, id: 'kept', image: 'faasd.test/busybox:1' });
    // What a create killed between prepare and the container record leaves.
    const lease = await c.leases.create('faasd-create');
    await c.snapshots.prepare('orphan', image.chainId, {}, { lease });
    const other = await c.leases.create('someone-else');

    const removed = await sweepCreateLeftovers(ctd.client, NS);

    assert.deepEqual(removed.sort(), [`lease ${lease}`, 'snapshot orphan']);
    const leases = (await c.leases.list()).map((l) => l.id);
    assert.ok(!leases.includes(lease) && leases.includes(other), 'only our create lease went');
    const active = (await c.snapshots.list()).filter((s) => s.kind !== 'COMMITTED').map((s) => s.name);
    assert.deepEqual(active, ['kept']);
    assert.ok(await c.containers.get('kept'));
    await runtime.remove(NS, 'kept');
    await c.leases.delete(other);
  });
});
