import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { startCallbackReceiver } from '../helpers/callbacks.js';
import { startNats, type TestNats } from '../helpers/nats.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import { pollUntil } from '../helpers/wait.js';
import { startQueueWorker } from '../../src/queue-worker/index.js';
import { WORKER_DEFAULTS } from '../../src/queue-worker/worker.js';
import { AsyncQueue, type QueuedRequest } from '../../src/queue/index.js';

/** An HTTP server on 127.0.0.1 that answers every request with `answer(req)`, and counts them. */
async function listen(
  answer: (url: string) => { status: number; headers?: Record<string, string>; body?: string },
) {
  const seen: { url: string; callId: string | undefined }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const callId = req.headers['x-call-id'];
      seen.push({ url: req.url ?? '', callId: typeof callId === 'string' ? callId : undefined });
      const a = answer(req.url ?? '');
      res.writeHead(a.status, a.headers).end(a.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, seen, port: (server.address() as { port: number }).port };
}

/** Issue #17 item 10: the queue-worker's callbacks follow no redirect and honour FAASD_CALLBACK_HOSTS. */
describe('queue-worker callbacks', () => {
  let nats: TestNats;
  let queue: AsyncQueue;
  const servers: Server[] = [];
  let gateway: Awaited<ReturnType<typeof listen>>;

  before(async () => {
    nats = await startNats();
    queue = await AsyncQueue.connect(nats.url);
    // Stands in for the gateway the worker invokes functions through.
    gateway = await listen(() => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'done' }));
    servers.push(gateway.server);
  });
  after(async () => {
    await queue?.close();
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    await nats?.stop();
  });

  async function runWorker(allowed: string[], fn: (log: RecordingLogger) => Promise<void>): Promise<void> {
    const log = new RecordingLogger();
    const worker = await startQueueWorker({
      ...WORKER_DEFAULTS,
      natsUrl: nats.url,
      invokeUrl: `http://127.0.0.1:${gateway.port}`,
      ackWaitMs: 5000,
      callbackAllowedHosts: allowed,
      log,
    });
    try {
      await fn(log);
    } finally {
      await worker.stop();
    }
  }

  async function enqueue(callbackUrl: string): Promise<string> {
    const req: QueuedRequest = {
      callId: randomUUID(),
      function: 'echo',
      namespace: 'openfaas-fn',
      method: 'POST',
      path: '',
      query: '',
      headers: {},
      body: Buffer.from('job').toString('base64'),
      callbackUrl,
      queuedAt: new Date().toISOString(),
    };
    await queue.enqueue(req);
    return req.callId;
  }

  /** The worker logs 'async invocation done' after the callback step, and acknowledges the message. */
  const finished = (log: RecordingLogger, callId: string) =>
    pollUntil(`call ${callId} to finish`, async () =>
      log.forCall(callId).some((l) => l.msg === 'async invocation done') ? true : undefined,
    );

  it('a callback answered 302 is not followed; the redirect is logged', async () => {
    const target = await startCallbackReceiver('127.0.0.1');
    servers.push(target.server);
    const redirector = await listen(() => ({ status: 302, headers: { location: target.url } }));
    servers.push(redirector.server);

    await runWorker([], async (log) => {
      const callId = await enqueue(`http://127.0.0.1:${redirector.port}/cb`);
      await finished(log, callId);
      assert.deepEqual(
        redirector.seen.map((s) => s.callId),
        [callId],
      );
      assert.equal(target.received.length, 0);
      const line = log.forCall(callId).find((l) => l.msg === 'callback answered a redirect; not followed');
      assert.deepEqual(line?.fields, { call_id: callId, host: `127.0.0.1:${redirector.port}`, status: 302 });
    });
  });

  it('a host not in FAASD_CALLBACK_HOSTS gets nothing (logged); the function still runs', async () => {
    const allowed = await startCallbackReceiver('127.0.0.1');
    const refused = await startCallbackReceiver('127.0.0.1');
    servers.push(allowed.server, refused.server);
    const allowedHost = new URL(allowed.url).host;

    await runWorker([allowedHost], async (log) => {
      const ok = await enqueue(allowed.url);
      const no = await enqueue(refused.url);
      await finished(log, ok);
      await finished(log, no);
      assert.deepEqual(
        allowed.received.map((c) => c.headers['x-call-id']),
        [ok],
      );
      assert.equal(allowed.received[0]?.body, 'done');
      assert.equal(refused.received.length, 0);
      assert.ok(
        gateway.seen.some((s) => s.callId === no),
        'the refused call was still invoked',
      );
      const line = log
        .forCall(no)
        .find((l) => l.msg === 'callback refused: host not in FAASD_CALLBACK_HOSTS');
      assert.deepEqual(line?.fields, { call_id: no, host: new URL(refused.url).host });
    });
  });
});
