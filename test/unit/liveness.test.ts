import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Liveness } from '../../src/provider/liveness.js';
import { ChangeGuard } from '../../src/provider/changes.js';
import { createLogger } from '../../src/log.js';
import { FakeFunctionTasks } from '../helpers/fake-functions.js';

function liveness(fns: FakeFunctionTasks, guard = new ChangeGuard()) {
  const invalidated: string[] = [];
  const live = new Liveness({
    fns,
    guard,
    namespaces: { list: () => Promise.resolve(['fn']) },
    resolver: { invalidate: (_ns, name) => void invalidated.push(name) },
    log: createLogger('test', new PassThrough()),
    restartDelayMs: 1,
  });
  return { live, guard, invalidated };
}

describe('Liveness (fake containerd)', () => {
  it('lists serving containers that should run and do not: not scaled to zero, not being changed', async () => {
    const fns = new FakeFunctionTasks();
    fns.add('ok', { status: 'RUNNING' });
    fns.add('died', { status: 'STOPPED' });
    fns.add('gone');
    fns.add('zero', { replicas: 0, status: 'STOPPED' });
    fns.add('updating', { status: 'STOPPED' });
    fns.add('moved', { id: 'moved.1', generation: 2, status: 'STOPPED' });
    fns.add('moved', { id: 'moved', generation: 1, status: 'STOPPED' }); // older version: not serving
    fns.add('new', { id: 'new.1', pending: true, status: 'STOPPED' });
    fns.add('new', { id: 'new', status: 'RUNNING' });
    const { live, guard } = liveness(fns);
    let listed: string[] = [];
    await guard.change('fn', 'updating', 'update', async () => {
      listed = (await live.notRunning()).map((f) => f.name).sort();
    });
    assert.deepEqual(listed, ['died', 'gone', 'moved.1']);
  });

  it('concurrent callers share one start', async () => {
    const fns = new FakeFunctionTasks();
    fns.add('died', { status: 'STOPPED' });
    const { live } = liveness(fns);
    await Promise.all([
      live.startOnce('fn', 'died'),
      live.startOnce('fn', 'died'),
      live.startOnce('fn', 'died'),
    ]);
    assert.deepEqual(fns.starts, ['died']);
    await live.startOnce('fn', 'died'); // running now: nothing to do
    assert.deepEqual(fns.starts, ['died']);
  });

  it('restarts a dead function once however many exits and sweeps report it', async () => {
    const fns = new FakeFunctionTasks();
    fns.add('died', { id: 'died.1', status: 'STOPPED' });
    const { live, invalidated } = liveness(fns);
    await Promise.all([live.onTaskExit('fn', 'died.1'), live.onTaskExit('fn', 'died.1')]);
    assert.deepEqual(fns.starts, ['died.1']);
    assert.deepEqual(fns.exits, ['died.1', 'died.1']);
    assert.ok(invalidated.includes('died'), 'the address is dropped by function name, not container ID');
  });

  it('leaves alone a function scaled to zero, one an API call is changing, and an old or pending container', async () => {
    const fns = new FakeFunctionTasks();
    fns.add('zero', { replicas: 0, status: 'STOPPED' });
    fns.add('busy', { status: 'STOPPED' });
    fns.add('upd', { id: 'upd', status: 'RUNNING' });
    fns.add('upd', { id: 'upd.1', pending: true, generation: 2, status: 'STOPPED' });
    const { live, guard } = liveness(fns);
    await guard.change('fn', 'busy', 'update', () =>
      Promise.all([
        live.onTaskExit('fn', 'zero'),
        live.onTaskExit('fn', 'busy'),
        live.onTaskExit('fn', 'upd.1'),
      ]),
    );
    assert.deepEqual(fns.starts, []);
  });

  it("an invocation's start waits for a running change and then looks again (no task under a delete)", async () => {
    const fns = new FakeFunctionTasks();
    fns.add('f', { status: 'STOPPED' });
    const { live, guard } = liveness(fns);
    let release = () => {};
    const deleting = guard.change('fn', 'f', 'delete', async () => {
      await new Promise<void>((r) => (release = r));
      fns.records.delete('f');
    });
    const start = live.startOnce('fn', 'f');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(fns.starts, [], 'nothing starts while the delete runs');
    release();
    await Promise.all([deleting, start]);
    assert.deepEqual(fns.starts, [], 'the function is gone: nothing to start');
  });
});
