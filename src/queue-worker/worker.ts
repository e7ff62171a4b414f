import { setTimeout as sleep } from 'node:timers/promises';
import {
  AckPolicy,
  DeliverPolicy,
  jetstreamManager,
  type JetStreamClient,
  type JsMsg,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../log.js';
import { errorMessage } from '../errors.js';
import { Backoff } from '../runtime/index.js';
import { parseCallbackHosts } from './callback.js';
import { DONE_BUCKET, REQUEST_STREAM, connectQueue } from '../queue/index.js';
import { urlSetting, type FaasdConfig } from '../config/index.js';
import { HttpInvoker, handleMessage, type AsyncInvoker, type HandleDeps } from './handle.js';

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
  /** Default: HTTP to invokeUrl. */
  invoker?: AsyncInvoker;
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

const CONSUMER = 'faas-workers';

/**
 * The worker's settings from the one configuration. `fallback`: where NATS and the gateway are when
 * the configuration does not say (a container: the compose names; the daemon: addresses it found).
 */
export function workerOptionsOf(
  cfg: FaasdConfig,
  log: Logger,
  fallback: { natsUrl: string; invokeUrl: string } = WORKER_DEFAULTS,
): WorkerOptions | undefined {
  const natsUrl = urlSetting(cfg.natsUrl, fallback.natsUrl);
  if (!natsUrl) return undefined;
  return {
    natsUrl,
    invokeUrl: urlSetting(cfg.gatewayUrl, fallback.invokeUrl) ?? fallback.invokeUrl,
    maxInflight: cfg.maxInflight,
    ackWaitMs: cfg.ackWaitMs,
    maxAttempts: cfg.maxAttempts,
    invokeTimeoutMs: cfg.upstreamTimeoutMs,
    callbackAllowedHosts: parseCallbackHosts(cfg.callbackHosts.join(',')),
    log,
  };
}

interface Consuming {
  stop(): Promise<void>;
}

/**
 * Runs until stop(): each message is invoked, its result posted to the callback, then acknowledged.
 * Returns at once: it connects in the background, again and again (100 ms doubling to 5 s) while NATS
 * is not there — a daemon restarted beside a NATS container that is itself restarting, or a split
 * worker started before NATS. Once connected, the NATS client reconnects by itself.
 */
export async function startQueueWorker(o: WorkerOptions): Promise<{ stop(): Promise<void> }> {
  const stopping = new AbortController();
  const started = connectAndConsume(o, stopping.signal);
  return {
    async stop() {
      stopping.abort();
      await (await started)?.stop();
      o.log.info('stopped');
    },
  };
}

async function connectAndConsume(o: WorkerOptions, signal: AbortSignal): Promise<Consuming | undefined> {
  const backoff = new Backoff({ baseMs: 100, capMs: 5000 });
  while (!signal.aborted) {
    try {
      return await consume(o);
    } catch (err) {
      const wait = backoff.next();
      o.log.warn('NATS not reachable; connecting again', {
        url: o.natsUrl,
        error: errorMessage(err),
        retry_ms: wait,
      });
      await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }
  return undefined;
}

/** Connects, makes sure of the consumer and the done bucket, and consumes; a failed set-up closes. */
async function consume(o: WorkerOptions): Promise<Consuming> {
  const { nc, js } = await connectQueue(o.natsUrl, 'faasd-queue-worker');
  try {
    return await consumeOn(o, nc, js);
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw err;
  }
}

async function consumeOn(o: WorkerOptions, nc: NatsConnection, js: JetStreamClient): Promise<Consuming> {
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

  const deps: HandleDeps = {
    invoker: o.invoker ?? new HttpInvoker(o.invokeUrl, o.invokeTimeoutMs),
    done,
    deadLetters: js,
    maxAttempts: o.maxAttempts,
    ackWaitMs: o.ackWaitMs,
    callbackAllowedHosts: o.callbackAllowedHosts,
    log: o.log,
  };
  const handle = (m: JsMsg) => handleMessage(deps, m);

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
    },
  };
}
