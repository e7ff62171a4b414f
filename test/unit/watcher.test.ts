import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { Events } from '../../src/containerd/events.js';
import { Backoff, TaskWatcher, type DeadTask, type WatcherOptions } from '../../src/runtime/index.js';
import { FakeEventSource, serviceError } from '../helpers/fake-event-source.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import { taskExitEnvelope } from '../helpers/task-exit-envelope.js';
import { pollUntil } from '../helpers/wait.js';

/** A watcher over fake event streams whose re-check answers `dead` and counts its calls. */
function watcher(o: Partial<WatcherOptions> = {}) {
  const source = new FakeEventSource();
  const log = new RecordingLogger();
  const reported: DeadTask[] = [];
  const state = { dead: [] as DeadTask[], rechecks: 0, lost: 0, away: false };
  const w = new TaskWatcher({
    events: new Events(source),
    recheck: () => {
      state.rechecks++;
      return state.away ? Promise.reject(new Error('containerd is away')) : Promise.resolve(state.dead);
    },
    onDead: (d) => void reported.push(d),
    onLost: () => void state.lost++,
    log,
    recheckIntervalMs: 60_000,
    reconnect: new Backoff({ baseMs: 1, capMs: 8 }),
    ...o,
  });
  const stream = async (i: number) =>
    pollUntil(`event stream ${i}`, () => Promise.resolve(source.streams[i]));
  return { w, source, log, reported, state, stream };
}

describe('TaskWatcher (fake event streams)', () => {
  it('reports a task exit in a followed namespace, not one elsewhere, and not an exec exiting', async () => {
    const t = watcher({ namespaces: ['core', 'fn'] });
    t.w.start();
    try {
      const s = await t.stream(0);
      s.write(taskExitEnvelope({ namespace: 'other', containerId: 'x', exitStatus: 1 }));
      s.write(
        taskExitEnvelope({ namespace: 'core', containerId: 'gw', processId: 'health-1', exitStatus: 1 }),
      );
      s.write(taskExitEnvelope({ namespace: 'fn', containerId: 'echo', exitStatus: 137 }));
      await pollUntil('a report', () => Promise.resolve(t.reported[0]));
      assert.deepEqual(t.reported, [{ namespace: 'fn', id: 'echo', exitStatus: 137, reason: 'exit event' }]);
    } finally {
      await t.w.stop();
    }
  });

  it('with a namespace test, follows namespaces that appear while it runs and no others', async () => {
    const followed = new Set(['fn']);
    const t = watcher({ namespaces: (ns) => followed.has(ns) });
    t.w.start();
    try {
      const s = await t.stream(0);
      followed.add('team-a'); // a function namespace created through the API
      s.write(taskExitEnvelope({ namespace: 'core', containerId: 'nats', exitStatus: 1 }));
      s.write(taskExitEnvelope({ namespace: 'team-a', containerId: 'echo', exitStatus: 2 }));
      s.write(taskExitEnvelope({ namespace: 'fn', containerId: 'echo', exitStatus: 3 }));
      await pollUntil('two reports', () => Promise.resolve(t.reported[1]));
      assert.deepEqual(
        t.reported.map((d) => `${d.namespace}/${d.id}`),
        ['team-a/echo', 'fn/echo'],
      );
    } finally {
      await t.w.stop();
    }
  });

  it('re-checks on subscribing and on its interval; a task being handled or busy is not reported again', async () => {
    let release = () => {};
    const handled: string[] = [];
    const t = watcher({
      recheckIntervalMs: 2,
      busy: (_ns, id) => id === 'busy',
      onDead: (d) => {
        handled.push(d.id);
        return new Promise<void>((r) => (release = r));
      },
    });
    t.state.dead = [
      { namespace: 'core', id: 'nats', exitStatus: undefined, reason: 'no task' },
      { namespace: 'core', id: 'busy', exitStatus: 1, reason: 'task stopped' },
    ];
    t.w.start();
    try {
      await pollUntil('three re-checks', () => Promise.resolve(t.state.rechecks >= 3 ? true : undefined));
      assert.deepEqual(handled, ['nats'], 'once while its handler runs; never while busy');
      release();
      await pollUntil('nats reported again', () => Promise.resolve(handled.length === 2 ? true : undefined));
      assert.deepEqual(handled, ['nats', 'nats']);
    } finally {
      release();
      await t.w.stop();
    }
  });

  it('outlives an outage: reconnects with a growing delay, then re-checks and still reports exits', async () => {
    const t = watcher();
    t.state.away = true;
    t.w.start();
    try {
      // containerd away: the stream fails, and so does the re-check on every new subscription.
      t.source.fail(await t.stream(0), serviceError(status.UNAVAILABLE, 'gone'));
      const waits = () =>
        t.log.lines
          .filter((l) => l.msg === 'lost containerd events; reconnecting')
          .map((l) => l.fields.in_ms);
      await pollUntil('five reconnects', () => Promise.resolve(waits().length >= 5 ? true : undefined));
      assert.deepEqual(waits().slice(0, 5), [1, 2, 4, 8, 8]);
      t.state.away = false;
      const rechecks = t.state.rechecks;
      const s = await pollUntil('a subscription that stays', () =>
        Promise.resolve(t.state.rechecks > rechecks && !t.state.away ? t.source.streams.at(-1) : undefined),
      );
      s.write(taskExitEnvelope({ namespace: 'core', containerId: 'nats', exitStatus: 2 }));
      await pollUntil('a report', () => Promise.resolve(t.reported[0]));
      assert.ok(t.state.lost >= 5);
    } finally {
      await t.w.stop();
    }
    assert.equal(t.log.lines.filter((l) => l.level === 'error').length, 0);
  });

  it('a stream that ends cleanly is reconnected too, and the backoff resets once subscribed', async () => {
    const t = watcher();
    t.w.start();
    try {
      (await t.stream(0)).end();
      (await t.stream(1)).end();
      await t.stream(2);
      const waits = t.log.lines
        .filter((l) => l.msg === 'containerd events ended; reconnecting')
        .map((l) => l.fields.in_ms);
      assert.deepEqual(waits, [1, 1]);
    } finally {
      await t.w.stop();
    }
  });

  it('stop() aborts the handlers still waiting and waits for them; a failing handler is logged', async () => {
    let sawAbort = false;
    const t = watcher({
      onDead: (d, signal) =>
        d.id === 'bad'
          ? Promise.reject(new Error('start failed'))
          : new Promise<void>((r) =>
              signal.addEventListener('abort', () => ((sawAbort = true), r()), { once: true }),
            ),
    });
    t.state.dead = [
      { namespace: 'core', id: 'slow', exitStatus: 1, reason: 'task stopped' },
      { namespace: 'core', id: 'bad', exitStatus: 1, reason: 'task stopped' },
    ];
    t.w.start();
    await pollUntil('a re-check', () => Promise.resolve(t.state.rechecks > 0 ? true : undefined));
    await pollUntil('the failure logged', () =>
      Promise.resolve(t.log.lines.find((l) => l.msg === 'handling a dead task failed')),
    );
    await t.w.stop();
    assert.equal(sawAbort, true);
    const failed = t.log.lines.find((l) => l.msg === 'handling a dead task failed');
    assert.deepEqual(failed?.fields, { namespace: 'core', container: 'bad', error: 'start failed' });
  });
});
