import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QueueConnection, type ConnectedQueue } from '../../src/gateway/queue-connection.js';
import { QueueUnavailableError, type QueuedRequest } from '../../src/queue/index.js';
import { RecordingLogger } from '../helpers/recording-logger.js';

class FakeQueue implements ConnectedQueue {
  readonly enqueued: string[] = [];
  closed = false;
  async enqueue(r: QueuedRequest): Promise<void> {
    this.enqueued.push(r.callId);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** NATS that refuses `refusals` connects, then accepts; `open()` lets a held connect through. */
class FakeNats {
  attempts = 0;
  readonly queue = new FakeQueue();
  constructor(private refusals: number) {}
  connect = async (url: string): Promise<ConnectedQueue> => {
    this.attempts++;
    if (this.refusals-- > 0) throw new Error(`connect ECONNREFUSED ${url}`);
    return this.queue;
  };
}

const call = (callId: string): QueuedRequest => ({
  callId,
  function: 'echo',
  namespace: 'openfaas-fn',
  method: 'POST',
  path: '',
  query: '',
  headers: {},
  body: '',
  queuedAt: new Date(0).toISOString(),
});

describe('the gateway’s NATS connection', () => {
  it('keeps connecting while NATS refuses (no giving up), then enqueues', async () => {
    const nats = new FakeNats(4);
    const log = new RecordingLogger();
    const q = new QueueConnection({ url: 'nats://nats:4222', connect: nats.connect, log, waitMs: 60_000 });
    await q.enqueue(call('a'));
    assert.equal(nats.attempts, 5);
    assert.deepEqual(nats.queue.enqueued, ['a']);
    assert.equal(log.lines.filter((l) => l.msg === 'NATS not reachable; connecting again').length, 4);
    assert.ok(log.lines.some((l) => l.msg === 'connected to NATS'));
    await q.close();
    assert.equal(nats.queue.closed, true);
  });

  it('an async call while NATS is away gets QueueUnavailableError (503) after waiting, and changes nothing', async () => {
    const nats = new FakeNats(Number.POSITIVE_INFINITY);
    const q = new QueueConnection({
      url: Promise.resolve('nats://nats:4222'),
      connect: nats.connect,
      log: new RecordingLogger(),
      waitMs: 20,
    });
    await assert.rejects(q.enqueue(call('b')), (err: unknown) => {
      assert.ok(err instanceof QueueUnavailableError);
      assert.equal(err.status, 503);
      return true;
    });
    assert.deepEqual(nats.queue.enqueued, []);
    // close() resolves once the connect loop has ended: nothing is tried after it.
    await q.close();
    const after = nats.attempts;
    await new Promise((r) => setImmediate(r));
    assert.equal(nats.attempts, after, 'no connect after close');
  });

  it('no URL: nothing is tried, and close ends at once', async () => {
    const nats = new FakeNats(0);
    const q = new QueueConnection({
      url: undefined,
      connect: nats.connect,
      log: new RecordingLogger(),
      waitMs: 10,
    });
    await assert.rejects(q.enqueue(call('c')), QueueUnavailableError);
    await q.close();
    assert.equal(nats.attempts, 0);
  });
});
