import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconcileFunctions } from '../../src/provider/reconcile.js';
import { PENDING_LABEL } from '../../src/provider/instances.js';
import { FakeReconcileWorld } from '../helpers/fake-reconcile.js';
import { RecordingLogger } from '../helpers/recording-logger.js';

async function reconcile(world: FakeReconcileWorld, log = new RecordingLogger()): Promise<RecordingLogger> {
  await reconcileFunctions({
    containerd: world,
    host: world.host,
    network: world.network,
    namespaces: { list: () => Promise.resolve(['ns']) },
    readiness: { waitReady: () => Promise.resolve('ready') },
    log,
  });
  return log;
}

/**
 * A provider restarted after an update died half-way (reconcile.ts settle): the new version is
 * adopted when nothing else serves, else removed; an old version beside the new goes. Serving
 * replicas that run are adopted as they are, never removed or restarted (issue #12).
 */
describe('reconcile after an interrupted update', () => {
  it('removes a pending version and an old one in one pass; the serving one is adopted', async () => {
    const world = new FakeReconcileWorld();
    world.add('fn', 'fn', { generation: 2 });
    world.add('fn-new', 'fn', { generation: 3, pending: true });
    world.add('fn-old', 'fn', { generation: 1 });

    const log = await reconcile(world);

    assert.deepEqual(world.removed.sort(), ['fn-new', 'fn-old']);
    assert.deepEqual(world.watched, ['fn']);
    assert.deepEqual(world.started, []);
    assert.deepEqual(world.relabelled, []);
    const said = log.lines
      .filter((l) => l.msg.startsWith('removed the'))
      .map((l) => `${l.msg} ${String(l.fields.container)}`);
    assert.deepEqual(said.sort(), [
      'removed the old version of an interrupted update fn-old',
      'removed the pending version of an interrupted update fn-new',
    ]);
  });

  it('adopts the pending version when nothing else serves; a replica that does not run is started', async () => {
    const world = new FakeReconcileWorld();
    world.add('fn-new', 'fn', { generation: 3, pending: true });
    world.add('fn-new.1', 'fn', { generation: 3, pending: true, running: false });

    await reconcile(world);

    assert.deepEqual(world.relabelled.sort(), ['fn-new', 'fn-new.1']);
    for (const r of world.records) assert.equal(r.labels[PENDING_LABEL], undefined, r.id);
    assert.deepEqual(world.removed, []);
    assert.deepEqual(world.watched, ['fn-new']);
    assert.deepEqual(world.started, ['fn-new.1']);
  });

  it('judges attachments by the containers it listed: no second List, a Get only for the unlisted', async () => {
    const world = new FakeReconcileWorld();
    world.add('fn', 'fn', { generation: 2 });
    world.add('fn-old', 'fn', { generation: 1 });
    world.extraAttachments.push('orphan');

    await reconcile(world);

    // fn-old was removed here, orphan has no container: both gone; fn was listed, so no Get for it.
    assert.deepEqual(world.judgedGone.sort(), ['fn-old', 'orphan']);
    assert.deepEqual(world.gets.sort(), ['fn-old', 'orphan']);
    // The create-leftovers sweep's List; none more for the network's judge.
    assert.equal(world.lists, 1);
  });
});
