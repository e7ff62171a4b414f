import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Liveness } from '../../src/provider/liveness.js';
import { ChangeGuard } from '../../src/provider/changes.js';
import type { DeadTask } from '../../src/runtime/index.js';
import { FakeFunctionTasks } from '../helpers/fake-functions.js';
import { FakeSleep } from '../helpers/fake-sleep.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import { pollUntil } from '../helpers/wait.js';

function liveness(fns: FakeFunctionTasks, guard = new ChangeGuard()) {
  const invalidated: string[] = [];
  const sleep = new FakeSleep();
  const live = new Liveness({
    fns,
    guard,
    namespaces: { list: () => Promise.resolve(['fn']) },
    resolver: { invalidate: (_ns, name) => void invalidated.push(name) },
    log: new RecordingLogger(),
    sleep: sleep.sleep,
  });
  return { live, guard, invalidated, sleep };
}

const exit = (id: string): DeadTask => ({ namespace: 'fn', id, exitStatus: 137, reason: 'exit event' });
const running = new AbortController().signal;

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
    let listed: DeadTask[] = [];
    await guard.change('fn', 'updating', 'update', async () => {
      listed = await live.notRunning();
    });
    assert.deepEqual(
      listed.sort((a, b) => (a.id < b.id ? -1 : 1)),
      [
        { namespace: 'fn', id: 'died', exitStatus: undefined, reason: 'task stopped' },
        { namespace: 'fn', id: 'gone', exitStatus: undefined, reason: 'no task' },
        { namespace: 'fn', id: 'moved.1', exitStatus: undefined, reason: 'task stopped' },
      ],
    );
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

  it('restarts a dead replica, only that one, and drops its address by function name', async () => {
    const fns = new FakeFunctionTasks();
    fns.add('f', { id: 'f', status: 'STOPPED' });
    fns.add('f', { id: 'f.1', status: 'STOPPED' });
    const { live, invalidated } = liveness(fns);
    await live.onDead(exit('f.1'), running);
    assert.deepEqual(fns.starts, ['f.1'], 'f has its own report and its own backoff');
    assert.deepEqual(fns.exits, ['f.1'], 'its probing stops');
    assert.ok(invalidated.includes('f'), 'the address is dropped by function name, not container ID');
    await live.onDead(exit('f.1'), running); // a stale report: it runs again already
    assert.deepEqual(fns.starts, ['f.1']);
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
        live.onDead(exit('zero'), running),
        live.onDead(exit('busy'), running),
        live.onDead(exit('upd.1'), running),
        live.onDead(exit('not-a-function'), running),
      ]),
    );
    assert.deepEqual(fns.starts, []);
  });

  it('a change that begins during the delay is not undercut: no start under it or after a delete', async () => {
    const fns = new FakeFunctionTasks();
    fns.add('f', { status: 'STOPPED' });
    const { live, guard, sleep } = liveness(fns);
    sleep.hold();
    const restarting = live.onDead(exit('f'), running);
    await pollUntil('the restart delay', () => Promise.resolve(sleep.waits[0]));
    let release = () => {};
    const deleting = guard.change('fn', 'f', 'delete', async () => {
      await new Promise<void>((r) => (release = r));
      fns.records.delete('f');
    });
    sleep.release();
    await restarting;
    assert.deepEqual(fns.starts, [], 'nothing starts while the delete runs');
    release();
    await deleting;
    assert.deepEqual(await live.notRunning(), [], 'the function is gone: nothing to start');
    assert.equal(live.backoffCount, 0, 'and no backoff kept for it');
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
