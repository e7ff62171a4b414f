import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Events } from '../../src/containerd/events.js';
import { Liveness, RESTART_STABLE_MS } from '../../src/provider/liveness.js';
import { ChangeGuard } from '../../src/provider/changes.js';
import { Backoff, TaskWatcher, type DeadTask } from '../../src/runtime/index.js';
import { FakeEventSource } from '../helpers/fake-event-source.js';
import { FakeFunctionTasks } from '../helpers/fake-functions.js';
import { FakeSleep } from '../helpers/fake-sleep.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import { taskExitEnvelope } from '../helpers/task-exit-envelope.js';
import { pollUntil } from '../helpers/wait.js';

function liveness(fns: FakeFunctionTasks) {
  const guard = new ChangeGuard();
  const sleep = new FakeSleep();
  const clock = new ManualClock();
  const log = new RecordingLogger();
  const live = new Liveness({
    fns,
    guard,
    namespaces: { list: () => Promise.resolve(['fn']) },
    resolver: { invalidate: () => undefined },
    log,
    clock,
    sleep: sleep.sleep,
  });
  return { live, guard, sleep, clock, log };
}

const signal = new AbortController().signal;

/** The replica's task dies and the watcher reports it; resolves when Liveness has handled it. */
async function die(fns: FakeFunctionTasks, live: Liveness, id: string): Promise<void> {
  fns.tasks.set(id, { pid: 1, status: 'STOPPED' });
  await live.onDead({ namespace: 'fn', id, exitStatus: 137, reason: 'exit event' }, signal);
}

describe("the provider's restarts go through runtime's Backoff, one per replica", () => {
  it('a replica that keeps dying waits longer each time up to 30 s; one that ran 60 s starts again at 250 ms', async () => {
    const fns = new FakeFunctionTasks();
    fns.add('f', { id: 'f', status: 'RUNNING' });
    fns.add('f', { id: 'f.1', status: 'RUNNING' });
    const { live, sleep, clock, log } = liveness(fns);
    for (let i = 0; i < 8; i++) await die(fns, live, 'f.1');
    await die(fns, live, 'f'); // its own backoff, untouched by f.1's
    clock.advance(RESTART_STABLE_MS);
    await die(fns, live, 'f.1');
    assert.deepEqual(sleep.waits, [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 250, 250]);
    assert.deepEqual(fns.starts, [...Array<string>(8).fill('f.1'), 'f', 'f.1']);
    const last = log.lines.filter((l) => l.msg === 'function task exited; restarting').at(-1);
    assert.deepEqual(last?.fields, {
      namespace: 'fn',
      function: 'f',
      container: 'f.1',
      reason: 'exit status 137',
      in_ms: 250,
      attempt: 1,
    });
  });

  it('a start for an invocation counts as a start: a run from it resets the backoff', async () => {
    const fns = new FakeFunctionTasks();
    fns.add('f', { status: 'RUNNING' });
    const { live, guard, sleep, clock } = liveness(fns);
    await die(fns, live, 'f');
    // It dies again; a scale begins during the delay, so this restart does not happen...
    sleep.hold();
    const dying = die(fns, live, 'f');
    await pollUntil('the second delay', () => Promise.resolve(sleep.waits[1]));
    let release = () => {};
    const scaling = guard.change('fn', 'f', 'scale', () => new Promise<void>((r) => (release = r)));
    sleep.release();
    await dying;
    release();
    await scaling;
    // ...an invocation starts it instead, and it runs for the stable period.
    await live.startOnce('fn', 'f');
    clock.advance(RESTART_STABLE_MS);
    await die(fns, live, 'f');
    assert.deepEqual(sleep.waits, [250, 500, 250]);
    assert.deepEqual(fns.starts, ['f', 'f', 'f']);
  });

  it('drops the backoff of a replica deleted, scaled to zero or replaced by an update (bounded memory)', async () => {
    const fns = new FakeFunctionTasks();
    for (const name of ['a', 'b', 'c', 'd']) fns.add(name, { status: 'RUNNING' });
    const { live, guard, sleep } = liveness(fns);
    for (const name of ['a', 'b', 'c', 'd']) await die(fns, live, name);
    assert.equal(live.backoffCount, 4);
    // Deleted: its exit is reported after the container went.
    fns.records.delete('a');
    await die(fns, live, 'a');
    // Scaled to zero: the first container stays, stopped.
    fns.add('b', { replicas: 0, status: 'STOPPED' });
    await die(fns, live, 'b');
    // Replaced by an update: its exit comes while the update runs.
    await guard.change('fn', 'c', 'update', async () => {
      fns.add('c', { id: 'c.1', generation: 2, status: 'RUNNING' });
      await die(fns, live, 'c');
      fns.records.delete('c');
    });
    assert.equal(live.backoffCount, 1, 'only d, which still exists');
    // Gone without any report (an exit event can be missed): the next re-check drops it.
    fns.records.delete('d');
    assert.deepEqual(await live.notRunning(), []);
    assert.equal(live.backoffCount, 0);
    // A new container in a freed slot starts from the first delay.
    fns.add('a', { status: 'RUNNING' });
    sleep.waits.length = 0;
    await die(fns, live, 'a');
    assert.deepEqual(sleep.waits, [250]);
    assert.deepEqual(fns.starts, ['a', 'b', 'c', 'd', 'a']);
  });

  it('wired to a TaskWatcher: one restart however many exit events and re-checks report the replica', async () => {
    const fns = new FakeFunctionTasks();
    fns.add('f', { id: 'f.1', status: 'RUNNING' });
    const { live, sleep } = liveness(fns);
    const source = new FakeEventSource();
    let rechecks = 0;
    const watcher = new TaskWatcher({
      events: new Events(source),
      namespaces: (ns) => ns !== 'core',
      recheck: () => (rechecks++, live.notRunning()),
      onDead: (dead: DeadTask, s) => live.onDead(dead, s),
      log: new RecordingLogger(),
      recheckIntervalMs: 2,
      reconnect: new Backoff({ baseMs: 1, capMs: 8 }),
    });
    sleep.hold();
    watcher.start();
    try {
      const stream = await pollUntil('a subscription', () => Promise.resolve(source.streams[0]));
      fns.tasks.set('f.1', { pid: 1, status: 'STOPPED' });
      stream.write(taskExitEnvelope({ namespace: 'core', containerId: 'nats', exitStatus: 1 }));
      stream.write(taskExitEnvelope({ namespace: 'fn', containerId: 'f.1', exitStatus: 137 }));
      await pollUntil('the restart delay', () => Promise.resolve(sleep.waits[0]));
      const seen = rechecks;
      stream.write(taskExitEnvelope({ namespace: 'fn', containerId: 'f.1', exitStatus: 137 }));
      await pollUntil('three more re-checks', () => Promise.resolve(rechecks >= seen + 3 || undefined));
      sleep.release();
      await pollUntil('the restart', () => Promise.resolve(fns.starts[0]));
      const after = rechecks;
      await pollUntil('three more re-checks', () => Promise.resolve(rechecks >= after + 3 || undefined));
      assert.deepEqual(fns.starts, ['f.1']);
      assert.deepEqual(sleep.waits, [250]);
      assert.deepEqual(fns.exits, ['f.1'], "the core namespace's exit is not the provider's");
    } finally {
      sleep.release();
      await watcher.stop();
    }
  });
});
