import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { handleMessage, type HandleDeps } from '../../src/queue-worker/handle.js';
import { DEAD_LETTER_SUBJECT, type QueuedRequest } from '../../src/queue/index.js';
import { FakeCallbackTransport } from '../helpers/fake-callback-transport.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import { FakeDeadLetters, FakeDoneStore, FakeInvoker, FakeMessage } from '../helpers/daemon-fakes.js';

const request = (callId: string): QueuedRequest => ({
  callId,
  function: 'echo',
  namespace: 'openfaas-fn',
  method: 'POST',
  path: '/job',
  query: '',
  headers: {},
  body: Buffer.from('payload').toString('base64'),
  callbackUrl: 'http://receiver.test/cb',
  queuedAt: new Date(0).toISOString(),
});

function deps(invoker: FakeInvoker, maxAttempts = 3) {
  const d = {
    invoker,
    done: new FakeDoneStore(),
    deadLetters: new FakeDeadLetters(),
    maxAttempts,
    ackWaitMs: 30_000,
    callbackAllowedHosts: [],
    callbackTransport: new FakeCallbackTransport([]),
    log: new RecordingLogger(),
  } satisfies HandleDeps;
  return d;
}

describe('queue-worker: one message', () => {
  it('invokes, posts the callback, remembers the call, then acks', async () => {
    const d = deps(new FakeInvoker([200]));
    const m = new FakeMessage(request('c1'));
    await handleMessage(d, m);
    assert.equal(m.acked, true);
    assert.equal(m.nakedMs, undefined);
    assert.equal(d.done.done.get('c1'), '200');
    assert.equal(d.callbackTransport.posts.length, 1);
    assert.equal(d.callbackTransport.posts[0]?.headers['X-Function-Status'], '200');
    assert.equal(d.callbackTransport.posts[0]?.body, 'answer 200');
  });

  it('a call finished before a crash is acked without running it again', async () => {
    const d = deps(new FakeInvoker([200]));
    await d.done.put('c2', '200');
    const m = new FakeMessage(request('c2'), 2);
    await handleMessage(d, m);
    assert.equal(m.acked, true);
    assert.equal(d.invoker.invoked.length, 0);
    assert.equal(d.callbackTransport.posts.length, 0);
  });

  const retried = [
    { name: 'a 503', answer: 503 as const },
    { name: 'a 429', answer: 429 as const },
    { name: 'an unreachable gateway (502)', answer: 'unreachable' as const },
  ];
  for (const c of retried)
    it(`${c.name} before the last attempt is naked with a backoff, not acked`, async () => {
      const d = deps(new FakeInvoker([c.answer]));
      const m = new FakeMessage(request('c3'), 2);
      await handleMessage(d, m);
      assert.equal(m.acked, false);
      assert.equal(m.nakedMs, 1000);
      assert.equal(d.done.done.size, 0);
      assert.equal(d.callbackTransport.posts.length, 0);
    });

  it('the last failed attempt goes to the dead letter, and the callback tells the caller', async () => {
    const d = deps(new FakeInvoker([503]), 3);
    const m = new FakeMessage(request('c4'), 3);
    await handleMessage(d, m);
    assert.equal(m.acked, true);
    assert.deepEqual(
      d.deadLetters.published.map((p) => p.subject),
      [DEAD_LETTER_SUBJECT],
    );
    assert.equal(d.callbackTransport.posts[0]?.headers['X-Function-Status'], '503');
    assert.equal(d.done.done.get('c4'), '503');
  });

  it('a 4xx or 500 from the function is its answer: no retry', async () => {
    const d = deps(new FakeInvoker([500]));
    const m = new FakeMessage(request('c5'));
    await handleMessage(d, m);
    assert.equal(m.acked, true);
    assert.equal(d.deadLetters.published.length, 0);
    assert.equal(d.callbackTransport.posts[0]?.headers['X-Function-Status'], '500');
  });
});
