import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { ClientClosedError, UpstreamError } from './proxy-errors.js';
import type { RequestBody } from './request-body.js';

/** Sent per hop, not end to end (RFC 9110 7.6.1): never forwarded either way. */
const RESPONSE_SKIP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
/** Hop-by-hop, or set by the proxy itself (host, x-forwarded-host). */
const REQUEST_SKIP = new Set([
  ...RESPONSE_SKIP,
  'host',
  // Node's server has answered "100 Continue" already; undici refuses the header.
  'expect',
  'x-forwarded-host',
]);

/** The client's headers (raw: order, case and repeats kept) less hop-by-hop ones, plus X-Forwarded-Host. */
export function requestHeaders(req: IncomingMessage): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    if (!REQUEST_SKIP.has(name.toLowerCase())) out.push(name, raw[i + 1] as string);
  }
  out.push('x-forwarded-host', req.headers.host ?? '');
  return out;
}

/**
 * The client's headers less hop-by-hop ones, Host and X-Forwarded-Host kept: a hand-over to another
 * gateway handler in this process (the data-path thread's relay, issue #12), which sets them itself.
 */
export function relayHeaders(req: IncomingMessage): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (!RESPONSE_SKIP.has(lower) && lower !== 'expect') out.push(name, raw[i + 1] as string);
  }
  return out;
}

/** The function's headers for writeHead, less hop-by-hop ones (Node frames the body itself). */
export function responseHeaders(raw: Buffer[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    // latin1 both ways keeps every byte of a header as the function sent it.
    const name = (raw[i] as Buffer).toString('latin1');
    if (!RESPONSE_SKIP.has(name.toLowerCase())) out.push(name, (raw[i + 1] as Buffer).toString('latin1'));
  }
  return out;
}

/** The request failed on a connection that broke (reset, closed), not by a timeout or an abort. */
const BROKEN = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
/** The connection never stood: refused, no route to the address, or no answer to the connect. */
const CONNECT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * One forwarded request as undici's dispatcher drives it: the answer streamed to `res` with backpressure
 * (onData returns what res.write() returned; undici pauses the connection until 'drain'), the upstream
 * request aborted when the client goes away, and each failure classified for a retry (`beforeRequest`).
 */
export class ForwardHandler implements Dispatcher.DispatchHandlers {
  private abort: ((err?: Error) => void) | undefined;
  /** undici is about to write the request: before this nothing of it can have reached the function. */
  private connected = false;
  private status = 0;
  private clientGone = false;
  private settled = false;
  private resumeUpstream: (() => void) | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly fn: string,
    private readonly body: RequestBody | null,
    private readonly timeoutMs: number,
    private readonly done: (err: Error | undefined, status: number) => void,
  ) {
    // on/removeListener, not once: once wraps the listener in a closure per request (the hot path).
    res.on('close', this.onClientClose);
  }

  // 'close' before the answer was written: the client hung up. Without this the upstream request (and
  // its pooled connection) would live on until the function answered.
  private readonly onClientClose = (): void => {
    if (this.settled || this.res.writableFinished) return;
    this.clientGone = true;
    this.abort?.(new ClientClosedError(this.fn)); // not yet connected: onConnect aborts it
    this.finish(new ClientClosedError(this.fn));
  };

  private readonly onDrain = (): void => this.resumeUpstream?.();

  onConnect(abort: (err?: Error) => void): void {
    if (this.clientGone) return abort(new ClientClosedError(this.fn));
    this.connected = true;
    this.abort = abort;
  }

  onHeaders(statusCode: number, headers: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 100 Continue, 103 Early Hints: the final answer follows
    this.status = statusCode;
    this.resumeUpstream = resume;
    this.res.writeHead(statusCode, responseHeaders(headers));
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    this.res.once('drain', this.onDrain);
    return false;
  }

  onComplete(): void {
    this.res.end();
    this.finish(undefined);
  }

  onError(err: Error): void {
    this.body?.detach();
    if (this.clientGone || (this.req.destroyed && !this.req.complete)) {
      this.clientGone = true;
      return this.finish(new ClientClosedError(this.fn));
    }
    const code = (err as { code?: string }).code ?? '';
    const reason = TIMEOUT.has(code) ? `no answer in ${this.timeoutMs} ms` : err.message;
    this.finish(new UpstreamError(this.fn, reason, this.beforeRequest(code), { cause: err }));
  }

  /**
   * Safe to send again elsewhere (issue #12's contract with provider/invoke.ts): nothing was written (the
   * connect failed); a request without a body whose connection broke before any answer (a replica
   * killed mid-request); or a break before any byte of the body was taken from the client. No answer in
   * time is never resent: the function may still be working on it (a slow GET would run twice). undici
   * itself resends nothing it wrote (pipelining 1), so each request reaches a function at most once.
   */
  private beforeRequest(code: string): boolean {
    if (this.status) return false;
    if (!this.connected) return CONNECT.has(code) || BROKEN.has(code);
    if (!this.body) return BROKEN.has(code);
    return !this.body.taken && BROKEN.has(code);
  }

  private finish(err: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.res.removeListener('close', this.onClientClose);
    this.done(err, this.status || 502);
  }
}
