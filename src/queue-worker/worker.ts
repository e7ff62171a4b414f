import { AckPolicy, DeliverPolicy, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from '../log.js';
import { errorMessage } from '../errors.js';
import { postCallback, type Outcome } from './callback.js';
import {
  DEAD_LETTER_SUBJECT,
  DONE_BUCKET,
  REQUEST_STREAM,
  connectQueue,
  type QueuedRequest,
} from './queue.js';

export interface WorkerOptions {
  natsUrl: string;
  /** Where functions are invoked: the gateway (scale from zero, metrics), e.g. http://gateway:8080. */
  invokeUrl: string;
  maxInflight: number;
  ackWaitMs: number;
  /** Attempts for a 429/502/503/504 (or unreachable) answer before the call goes to the dead letter. */
  maxAttempts: number;
  invokeTimeoutMs: number;
  /** Hosts (host or host:port) callbacks may go to; empty = any, as upstream. */
  callbackAllowedHosts: string[];
  log: Logger;
}

export const WORKER_DEFAULTS = {
  natsUrl: 'nats://nats:4222',
  invokeUrl: 'http://gateway:8080',
  maxInflight: 4,
  ackWaitMs: 30_000,
  maxAttempts: 5,
  invokeTimeoutMs: 60_000,
  callbackAllowedHosts: [] as string[],
};

const RETRY_STATUS = new Set([429, 502, 503, 504]);
const DROP_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'x-callback-url',
]);
const CONSUMER = 'faas-workers';

async function invoke(o: WorkerOptions, r: QueuedRequest): Promise<Outcome> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers))
    if (!DROP_HEADERS.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  headers['x-call-id'] = r.callId;
  const body = Buffer.from(r.body, 'base64');
  const started = process.hrtime.bigint();
  const res = await fetch(`${o.invokeUrl}/function/${r.function}.${r.namespace}${r.path}${r.query}`, {
    method: r.method,
    headers,
    ...(r.method === 'GET' || r.method === 'HEAD' ? {} : { body }),
    signal: AbortSignal.timeout(o.invokeTimeoutMs),
  });
  const out = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    body: out,
    contentType: res.headers.get('content-type') ?? undefined,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/** Runs until stop(): each message is invoked, its result posted to the callback, then acknowledged. */
export async function startQueueWorker(o: WorkerOptions): Promise<{ stop(): Promise<void> }> {
  const { nc, js } = await connectQueue(o.natsUrl, 'faasd-queue-worker');
  const jsm = await jetstreamManager(nc);
  const config = {
    durable_name: CONSUMER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(o.ackWaitMs),
    max_ack_pending: o.maxInflight,
    max_deliver: -1,
  };
  try {
    await jsm.consumers.info(REQUEST_STREAM, CONSUMER);
    await jsm.consumers.update(REQUEST_STREAM, CONSUMER, {
      ack_wait: config.ack_wait,
      max_ack_pending: config.max_ack_pending,
    });
  } catch {
    await jsm.consumers.add(REQUEST_STREAM, config);
  }
  const done: KV = await new Kvm(nc).create(DONE_BUCKET, { ttl: 24 * 3600_000 });
  const consumer = await js.consumers.get(REQUEST_STREAM, CONSUMER);
  const messages = await consumer.consume({ max_messages: o.maxInflight });
  const inflight = new Set<Promise<void>>();

  const handle = async (m: JsMsg): Promise<void> => {
    const r = JSON.parse(m.string()) as QueuedRequest;
    const ctx = {
      call_id: r.callId,
      function: `${r.function}.${r.namespace}`,
      delivery: m.info.deliveryCount,
    };
    if (await done.get(r.callId)) {
      m.ack(); // finished before a crash kept it from being acknowledged
      return;
    }
    // Tell JetStream we are alive; a killed worker stops this, and the message is delivered again.
    const heartbeat = setInterval(() => m.working(), Math.max(500, o.ackWaitMs / 3));
    try {
      let out: Outcome;
      try {
        out = await invoke(o, r);
      } catch (err) {
        out = { status: 502, body: Buffer.from(errorMessage(err)), contentType: 'text/plain', seconds: 0 };
      }
      if (RETRY_STATUS.has(out.status)) {
        if (m.info.deliveryCount < o.maxAttempts) {
          const wait = Math.min(30_000, 500 * 2 ** (m.info.deliveryCount - 1));
          o.log.warn('invocation failed; retrying', { ...ctx, status: out.status, in_ms: wait });
          m.nak(wait);
          return;
        }
        o.log.error('invocation failed; dead-lettered', { ...ctx, status: out.status });
        await js.publish(
          DEAD_LETTER_SUBJECT,
          JSON.stringify({ ...r, status: out.status, attempts: m.info.deliveryCount }),
        );
      }
      await postCallback({ allowedHosts: o.callbackAllowedHosts, log: o.log }, r, out);
      await done.put(r.callId, String(out.status));
      m.ack();
      o.log.info('async invocation done', { ...ctx, status: out.status, seconds: out.seconds.toFixed(3) });
    } finally {
      clearInterval(heartbeat);
    }
  };

  const loop = (async () => {
    for await (const m of messages) {
      const p = handle(m).catch((err: unknown) => {
        o.log.error('message failed', { error: errorMessage(err) });
        m.nak(1000);
      });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      while (inflight.size >= o.maxInflight) await Promise.race(inflight);
    }
  })();
  o.log.info('consuming', {
    stream: REQUEST_STREAM,
    max_inflight: o.maxInflight,
    ack_wait_ms: o.ackWaitMs,
    callback_hosts: o.callbackAllowedHosts.join(',') || 'any',
  });
  return {
    /** Stops taking messages, lets running invocations finish (bounded), then closes. */
    async stop() {
      const bounded = (p: Promise<unknown>, ms: number) =>
        Promise.race([p, new Promise((r) => setTimeout(r, ms).unref())]);
      await bounded(messages.close(), 1000);
      await bounded(Promise.allSettled(inflight), Math.min(o.ackWaitMs, 10_000));
      await bounded(loop, 500);
      await nc.close();
      o.log.info('stopped');
    },
  };
}
