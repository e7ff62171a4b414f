import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startNats, type TestNats } from '../helpers/nats.js';
import { freePort } from '../helpers/registry.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import { pollUntil } from '../helpers/wait.js';
import { startQueueWorker } from '../../src/queue-worker/index.js';
import { WORKER_DEFAULTS } from '../../src/queue-worker/worker.js';
import { AsyncQueue, type QueuedRequest } from '../../src/queue/index.js';

/**
 * A daemon restarted beside a NATS container that is restarting too (or a split worker started before
 * NATS) found nothing on the port: the worker's start threw and `faasd up` exited 5. It now connects
 * again until NATS is there.
 */
describe('queue-worker started before NATS', () => {
  let nats: TestNats | undefined;
  let queue: AsyncQueue | undefined;
  let worker: { stop(): Promise<void> } | undefined;
  after(async () => {
    await worker?.stop();
    await queue?.close();
    await nats?.stop();
  });

  it('starts, keeps connecting while nothing listens, and consumes once NATS is up', async () => {
    const port = await freePort();
    const log = new RecordingLogger();
    const invoked: string[] = [];
    worker = await startQueueWorker({
      ...WORKER_DEFAULTS,
      natsUrl: `nats://127.0.0.1:${port}`,
      invokeUrl: 'http://127.0.0.1:9', // not used: the invoker below answers
      ackWaitMs: 5000,
      log,
      invoker: {
        invoke: async (r) => {
          invoked.push(r.callId);
          return { status: 200, body: Buffer.from('done'), contentType: 'text/plain', seconds: 0 };
        },
      },
    });
    await pollUntil('a failed connect to be logged', async () =>
      log.lines.some((l) => l.msg === 'NATS not reachable; connecting again') ? true : undefined,
    );

    nats = await startNats({ port });
    queue = await AsyncQueue.connect(nats.url);
    const req: QueuedRequest = {
      callId: randomUUID(),
      function: 'echo',
      namespace: 'openfaas-fn',
      method: 'POST',
      path: '',
      query: '',
      headers: {},
      body: Buffer.from('job').toString('base64'),
      queuedAt: new Date().toISOString(),
    };
    await queue.enqueue(req);
    await pollUntil('the queued call to be invoked', async () =>
      invoked.includes(req.callId) ? true : undefined,
    );
    assert.deepEqual(invoked, [req.callId]);
    assert.ok(log.lines.some((l) => l.msg === 'consuming'));
  });
});
