import { setTimeout as delay } from 'node:timers/promises';
import { InvalidArgumentError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { QueuedRequest } from '../queue/index.js';

/** A function's answer to an async invocation, as posted to the caller's X-Callback-Url. */
export interface Outcome {
  status: number;
  body: Buffer;
  contentType: string | undefined;
  seconds: number;
}

/** The HTTP edge of callbacks: one POST, redirects NOT followed (a 3xx comes back as the answer). */
export interface CallbackTransport {
  post(url: URL, headers: Record<string, string>, body: Buffer): Promise<{ status: number }>;
}

export class FetchCallbackTransport implements CallbackTransport {
  constructor(private readonly timeoutMs = 10_000) {}

  async post(url: URL, headers: Record<string, string>, body: Buffer): Promise<{ status: number }> {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await res.body?.cancel();
    return { status: res.status };
  }
}

const HOST_ENTRY = /^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/;

/** FAASD_CALLBACK_HOSTS: comma-separated `host` (any port) or `host:port`; empty = every host. */
export function parseCallbackHosts(raw: string | undefined, key = 'FAASD_CALLBACK_HOSTS'): string[] {
  const entries = (raw ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  for (const e of entries) {
    const port = HOST_ENTRY.exec(e)?.[1];
    if (!HOST_ENTRY.test(e) || (port !== undefined && (Number(port) < 1 || Number(port) > 65535)))
      throw new InvalidArgumentError(key, `${key} entry ${JSON.stringify(e)} is not a host or host:port`);
  }
  return entries;
}

/** Whether `url` may be called back: any host when the list is empty; else its host, or host:port, is listed. */
export function callbackAllowed(url: URL, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowed.includes(host) || allowed.includes(`${host}:${port}`);
}

export interface CallbackDeps {
  /** Empty = any host (upstream OpenFaaS's behaviour). */
  allowedHosts: readonly string[];
  log: Logger;
  transport?: CallbackTransport;
  /** Waits between attempts; tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
}

const ATTEMPTS = 3;

/**
 * Posts a function's result to the request's callback URL (issue #17 item 10): only to a listed host,
 * never following a redirect, and retrying a 5xx or an unreachable receiver at most three times.
 * Logs name the call and the host, never the whole URL (it may carry credentials or tokens).
 */
export async function postCallback(d: CallbackDeps, r: QueuedRequest, out: Outcome): Promise<void> {
  if (!r.callbackUrl) return;
  let url: URL;
  try {
    url = new URL(r.callbackUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(url.protocol);
  } catch {
    d.log.warn('callback refused: not an http(s) URL', { call_id: r.callId });
    return;
  }
  const ctx = { call_id: r.callId, host: url.host };
  if (!callbackAllowed(url, d.allowedHosts)) {
    d.log.warn('callback refused: host not in FAASD_CALLBACK_HOSTS', ctx);
    return;
  }
  const transport = d.transport ?? new FetchCallbackTransport();
  const sleep = d.sleep ?? ((ms: number) => delay(ms));
  const headers = {
    'X-Call-Id': r.callId,
    'X-Function-Name': r.function,
    'X-Function-Status': String(out.status),
    'X-Duration-Seconds': out.seconds.toFixed(6),
    ...(out.contentType ? { 'Content-Type': out.contentType } : {}),
  };
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const { status } = await transport.post(url, headers, out.body);
      if (status >= 300 && status < 400) {
        d.log.warn('callback answered a redirect; not followed', { ...ctx, status });
        return;
      }
      if (status < 500) return;
      d.log.warn('callback answered an error', { ...ctx, status, attempt });
    } catch (err) {
      d.log.warn('callback failed', { ...ctx, error: errorMessage(err), attempt });
    }
    if (attempt < ATTEMPTS) await sleep(200 * 2 ** attempt);
  }
  d.log.error('callback given up', { ...ctx, attempts: ATTEMPTS });
}
