import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { QueueUnavailableError, type QueuedRequest } from '../queue/index.js';
import { Backoff } from '../runtime/index.js';

/** What the gateway needs of a connected queue. */
export interface ConnectedQueue {
  enqueue(r: QueuedRequest): Promise<void>;
  close(): Promise<void>;
}

export interface QueueConnectionOptions {
  /** The NATS URL; a promise when it is known only later (the daemon learns it once the core runs). */
  url: Promise<string | undefined> | string | undefined;
  connect: (url: string) => Promise<ConnectedQueue>;
  log: Logger;
  /** How long an async call waits for a connection not made yet before its 503. */
  waitMs: number;
}

/**
 * NATS for the gateway: the gateway answers at once and connects in the background, again and again
 * (100 ms doubling to 5 s) while NATS is not there — it may start after us, or restart with the host.
 * Giving up after a while would leave async invocations off until the next restart of faasd. Once
 * connected, the NATS client reconnects by itself.
 */
export class QueueConnection {
  private queue: ConnectedQueue | undefined;
  private readonly stopping = new AbortController();
  private readonly connected: Promise<ConnectedQueue | undefined>;

  constructor(private readonly o: QueueConnectionOptions) {
    this.connected = Promise.resolve(o.url).then((url) => (url ? this.connectLoop(url) : undefined));
  }

  private async connectLoop(url: string): Promise<ConnectedQueue | undefined> {
    const backoff = new Backoff({ baseMs: 100, capMs: 5000 });
    while (!this.stopping.signal.aborted) {
      try {
        const q = await this.o.connect(url);
        if (this.stopping.signal.aborted) {
          await q.close().catch(() => undefined);
          return undefined;
        }
        this.queue = q;
        this.o.log.info('connected to NATS', { url, attempts: backoff.attempt + 1 });
        return q;
      } catch (err) {
        const wait = backoff.next();
        this.o.log.warn('NATS not reachable; connecting again', {
          url,
          error: errorMessage(err),
          retry_ms: wait,
        });
        await sleep(wait, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
    return undefined;
  }

  /** Enqueues on the connection; waits for one at most `waitMs`, then a 503 (QueueUnavailableError). */
  async enqueue(r: QueuedRequest): Promise<void> {
    const q = this.queue ?? (await this.waitConnected());
    if (!q) throw new QueueUnavailableError(`not connected to NATS (waited ${this.o.waitMs} ms)`);
    await q.enqueue(r);
  }

  private async waitConnected(): Promise<ConnectedQueue | undefined> {
    const timeout = new AbortController();
    try {
      return await Promise.race([
        this.connected,
        sleep(this.o.waitMs, undefined, { signal: timeout.signal }).then(() => undefined),
      ]);
    } finally {
      timeout.abort();
    }
  }

  /** Stops connecting and closes the connection if there is one. */
  async close(): Promise<void> {
    this.stopping.abort();
    await (await this.connected)?.close();
  }
}
