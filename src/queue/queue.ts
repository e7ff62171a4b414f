import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
} from '@nats-io/jetstream';
import { FaasdError } from '../errors.js';

/*
 * The async contract between the gateway (publisher) and the queue-worker (consumer), in a folder of
 * its own so neither imports the other.
 */

/** One async invocation, stored whole in JetStream before the gateway answers 202. */
export interface QueuedRequest {
  callId: string;
  function: string;
  namespace: string;
  method: string;
  /** Path after the function name, e.g. `/orders/1`. */
  path: string;
  /** Query string with its `?`, or empty. */
  query: string;
  headers: Record<string, string | string[]>;
  /** Body, base64. */
  body: string;
  callbackUrl?: string;
  queuedAt: string;
}

export const REQUEST_STREAM = 'faas-request';
export const REQUEST_SUBJECT = 'faas-request.invoke';
export const DEAD_LETTER_STREAM = 'faas-dead-letter';
export const DEAD_LETTER_SUBJECT = 'faas-dead-letter.invoke';
export const DONE_BUCKET = 'faas-done';

export class QueueUnavailableError extends FaasdError {
  constructor(reason: string, options?: ErrorOptions) {
    super('unavailable', `the async queue (NATS) is unavailable: ${reason}`, options);
  }
}

async function ensureStream(
  nc: NatsConnection,
  name: string,
  subject: string,
  retention: RetentionPolicy,
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(name);
  } catch {
    await jsm.streams.add({ name, subjects: [subject], storage: StorageType.File, retention });
  }
}

export async function connectQueue(
  url: string,
  name: string,
): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  } catch (err) {
    throw new QueueUnavailableError((err as Error).message, { cause: err });
  }
  await ensureStream(nc, REQUEST_STREAM, REQUEST_SUBJECT, RetentionPolicy.Workqueue);
  await ensureStream(nc, DEAD_LETTER_STREAM, DEAD_LETTER_SUBJECT, RetentionPolicy.Limits);
  return { nc, js: jetstream(nc) };
}

/** The gateway's side: a request is acknowledged by JetStream (stored on disk) before enqueue returns. */
export class AsyncQueue {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
  ) {}

  static async connect(url: string): Promise<AsyncQueue> {
    const { nc, js } = await connectQueue(url, 'faasd-gateway');
    return new AsyncQueue(nc, js);
  }

  async enqueue(req: QueuedRequest): Promise<void> {
    try {
      await this.js.publish(REQUEST_SUBJECT, JSON.stringify(req), { msgID: req.callId });
    } catch (err) {
      throw new QueueUnavailableError((err as Error).message, { cause: err });
    }
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}
