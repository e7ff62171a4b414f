import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconcileFunctions } from '../../src/provider/reconcile.js';
import { FakeReconcileWorld } from '../helpers/fake-reconcile.js';
import { RecordingLogger } from '../helpers/recording-logger.js';

/** A promise the test settles by hand: the log collectors' resume still under way until then. */
function held(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  return { promise, release };
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/**
 * At start the log collectors' resume runs beside reconcile (issue #16): reconcile reads and adopts
 * at once, but removes or starts no container before the resume is over (it must see none go or start).
 */
describe('reconcile beside the log resume', () => {
  it('adopts running replicas at once, and removes or starts only after changesAfter settles', async () => {
    const world = new FakeReconcileWorld();
    world.add('fn', 'fn', { generation: 2 });
    world.add('fn-old', 'fn', { generation: 1 });
    world.add('idle', 'idle', { generation: 1, running: false });
    const resume = held();
    const done = reconcileFunctions({
      containerd: world,
      host: world.host,
      network: world.network,
      namespaces: { list: () => Promise.resolve(['ns']) },
      readiness: { waitReady: () => Promise.resolve('ready') },
      log: new RecordingLogger(),
      changesAfter: resume.promise,
    });
    await turns(20);
    assert.deepEqual(world.removed, [], 'no removal while the resume runs');
    assert.deepEqual(world.started, [], 'no start while the resume runs');
    resume.release();
    await done;
    assert.deepEqual(world.removed, ['fn-old']);
    assert.deepEqual(world.started, ['idle']);
    assert.deepEqual(world.watched, ['fn']);
  });

  it('adopts before the resume ends (its probes begin)', async () => {
    const world = new FakeReconcileWorld();
    world.add('fn', 'fn', { generation: 1 });
    const resume = held();
    const done = reconcileFunctions({
      containerd: world,
      host: world.host,
      network: world.network,
      namespaces: { list: () => Promise.resolve(['ns']) },
      readiness: { waitReady: () => Promise.resolve('ready') },
      log: new RecordingLogger(),
      changesAfter: resume.promise,
    });
    await done; // nothing to remove or start: it does not wait for the resume
    assert.deepEqual(world.watched, ['fn']);
    resume.release();
  });
});
