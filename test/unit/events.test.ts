import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setImmediate as tick } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { Events } from '../../src/containerd/events.js';
import { FaasdError } from '../../src/errors.js';
import { FakeEventSource, serviceError } from '../helpers/fake-event-source.js';

describe('Events.subscribe (fake streams)', () => {
  it('keeps an error that comes before iteration starts and throws it from the iterator (#17 item 11)', async () => {
    const source = new FakeEventSource();
    const events = new Events(source).subscribe(['topic=="/tasks/exit"']);
    // containerd goes away while the caller is busy elsewhere (the supervisor re-checks tasks here).
    const [stream] = source.streams;
    assert.ok(stream);
    source.fail(stream, serviceError(status.UNAVAILABLE, 'connection refused'));
    await tick();
    await assert.rejects(
      async () => {
        for await (const ev of events) assert.fail(`no event expected, got ${ev.topic}`);
      },
      (err: unknown) => err instanceof FaasdError && err.kind === 'unavailable',
    );
  });

  it('ends quietly when the signal aborts, and lets go of the signal once each stream closes', async () => {
    const source = new FakeEventSource();
    const ctl = new AbortController();
    const events = new Events(source);
    for (let i = 0; i < 20; i++) {
      events.subscribe([], ctl.signal);
      const stream = source.streams[i];
      assert.ok(stream);
      source.fail(stream, serviceError(status.UNAVAILABLE, 'gone'));
    }
    await tick();
    assert.equal(getEventListeners(ctl.signal, 'abort').length, 0);

    const live = events.subscribe([], ctl.signal);
    const drained = (async () => {
      const seen: string[] = [];
      for await (const ev of live) seen.push(ev.topic);
      return seen;
    })();
    source.streams[20]?.write({ namespace: 'test', topic: '/tasks/start', event: null });
    await tick();
    ctl.abort();
    assert.deepEqual(await drained, ['/tasks/start']);
  });
});
