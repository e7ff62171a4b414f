import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { DEAD_LETTER_SUBJECT, type QueuedRequest } from '../queue/index.js';
import { postCallback, type CallbackTransport, type Outcome } from './callback.js';

/** The face of a JetStream message the worker uses (JsMsg has it). */
export interface QueueMessage {
  string(): string;
  readonly info: { readonly deliveryCount: number };
  ack(): void;
  nak(millis?: number): void;
  working(): void;
}

/** Calls finished already (a crash between the callback and the ack must not run one twice). */
export interface DoneStore {
  get(callId: string): Promise<unknown>;
  put(callId: string, status: string): Promise<unknown>;
}

export interface DeadLetters {
  publish(subject: string, data: string): Promise<unknown>;
}

/** Runs one queued request: the HTTP edge, so tests can stand in for the gateway. */
export interface AsyncInvoker {
  invoke(r: QueuedRequest): Promise<Outcome>;
}

const DROP_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'x-callback-url',
]);

/** Invokes through the gateway (scale from zero, metrics), e.g. http://gateway:8080. */
export class HttpInvoker implements AsyncInvoker {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async invoke(r: QueuedRequest): Promise<Outcome> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers))
      if (!DROP_HEADERS.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    headers['x-call-id'] = r.callId;
    const body = Buffer.from(r.body, 'base64');
    const started = process.hrtime.bigint();
    const res = await fetch(`${this.baseUrl}/function/${r.function}.${r.namespace}${r.path}${r.query}`, {
      method: r.method,
      headers,
      ...(r.method === 'GET' || r.method === 'HEAD' ? {} : { body }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const out = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      body: out,
      contentType: res.headers.get('content-type') ?? undefined,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    };
  }
}

export interface HandleDeps {
  invoker: AsyncInvoker;
  done: DoneStore;
  deadLetters: DeadLetters;
  /** Attempts for a 429/502/503/504 (or unreachable) answer before the call goes to the dead letter. */
  maxAttempts: number;
  ackWaitMs: number;
  callbackAllowedHosts: readonly string[];
  callbackTransport?: CallbackTransport;
  log: Logger;
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);

/** One message: invoke, retry (nak with backoff) or dead-letter, post the callback, remember, ack. */
export async function handleMessage(d: HandleDeps, m: QueueMessage): Promise<void> {
  const r = JSON.parse(m.string()) as QueuedRequest;
  const ctx = {
    call_id: r.callId,
    function: `${r.function}.${r.namespace}`,
    delivery: m.info.deliveryCount,
  };
  if (await d.done.get(r.callId)) {
    m.ack(); // finished before a crash kept it from being acknowledged
    return;
  }
  // Tell JetStream we are alive; a killed worker stops this, and the message is delivered again.
  const heartbeat = setInterval(() => m.working(), Math.max(500, d.ackWaitMs / 3));
  try {
    let out: Outcome;
    try {
      out = await d.invoker.invoke(r);
    } catch (err) {
      out = { status: 502, body: Buffer.from(errorMessage(err)), contentType: 'text/plain', seconds: 0 };
    }
    if (RETRY_STATUS.has(out.status)) {
      if (m.info.deliveryCount < d.maxAttempts) {
        const wait = Math.min(30_000, 500 * 2 ** (m.info.deliveryCount - 1));
        d.log.warn('invocation failed; retrying', { ...ctx, status: out.status, in_ms: wait });
        m.nak(wait);
        return;
      }
      d.log.error('invocation failed; dead-lettered', { ...ctx, status: out.status });
      await d.deadLetters.publish(
        DEAD_LETTER_SUBJECT,
        JSON.stringify({ ...r, status: out.status, attempts: m.info.deliveryCount }),
      );
    }
    await postCallback(
      {
        allowedHosts: d.callbackAllowedHosts,
        log: d.log,
        ...(d.callbackTransport ? { transport: d.callbackTransport } : {}),
      },
      r,
      out,
    );
    await d.done.put(r.callId, String(out.status));
    m.ack();
    d.log.info('async invocation done', { ...ctx, status: out.status, seconds: out.seconds.toFixed(3) });
  } finally {
    clearInterval(heartbeat);
  }
}
