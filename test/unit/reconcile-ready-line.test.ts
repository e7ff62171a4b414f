import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconcileFunctions } from '../../src/provider/reconcile.js';
import type { ReadyOutcome } from '../../src/provider/readiness.js';
import { FakeReconcileWorld } from '../helpers/fake-reconcile.js';
import { RecordingLogger } from '../helpers/recording-logger.js';

describe("reconcile's readiness line after a start", () => {
  it('counts the adopted replicas by outcome and names those that never answered', async () => {
    const world = new FakeReconcileWorld();
    for (const id of ['a', 'b', 'c']) world.add(id, id, { generation: 1 });
    const outcomes: Record<string, ReadyOutcome> = { a: 'ready', b: 'timeout', c: 'exited' };
    const log = new RecordingLogger();
    await reconcileFunctions({
      containerd: world,
      host: world.host,
      network: world.network,
      namespaces: { list: () => Promise.resolve(['ns']) },
      readiness: { waitReady: (_ns, id) => Promise.resolve(outcomes[id] ?? 'ready') },
      log,
    });
    // The line comes once every outcome is in (it is not awaited by reconcile).
    let line: (typeof log.lines)[number] | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      await new Promise((r) => setImmediate(r));
      line = log.lines.find((l) => l.msg === 'replicas ready after start');
    }
    assert.ok(line, 'the readiness line was logged');
    assert.equal(line.fields.adopted, 3);
    assert.equal(line.fields.ready, 1);
    assert.equal(line.fields.exited, 1);
    assert.equal(line.fields.not_ready, 1);
    assert.equal(line.fields.not_ready_ids, 'ns/b');
  });

  it('adoptedReady settles once every adopted replica has an outcome, not before', async () => {
    const world = new FakeReconcileWorld();
    world.add('a', 'a', { generation: 1 });
    let answer!: (o: ReadyOutcome) => void;
    const pending = new Promise<ReadyOutcome>((r) => (answer = r));
    const { adoptedReady } = await reconcileFunctions({
      containerd: world,
      host: world.host,
      network: world.network,
      namespaces: { list: () => Promise.resolve(['ns']) },
      readiness: { waitReady: () => pending },
      log: new RecordingLogger(),
    });
    let settled = false;
    void adoptedReady.then(() => (settled = true));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'still probing: the pool and other background work wait');
    answer('ready');
    await adoptedReady;
  });
});
