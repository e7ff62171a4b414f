import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientClosedError, UpstreamError } from './proxy-errors.js';
import { responseHeaders } from './proxy-headers.js';
import { ResponseParseError, ResponseParser, type ResponseEvents } from './response-parser.js';
import type { ConnectionUser, UpstreamConnection, UpstreamPool } from './upstream-pool.js';

/** How the request's body goes out: none, as the client framed it (Content-Length), or chunked by us. */
export type BodyFraming = 'none' | 'length' | 'chunked';

/** A break of the connection (not a timeout, not a malformed answer): the function may never have seen the request. */
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'closed']);
const LAST_CHUNK = '0\r\n\r\n';

/**
 * One request to a function and its answer, over one connection of its pool: the head written with
 * the body's first bytes (so a connection that breaks before the body was read has sent nothing), the
 * answer streamed to the client with backpressure both ways, the request abandoned when the client
 * goes away, and each failure classified for a retry elsewhere (`beforeRequest`, provider/invoke.ts).
 */
export class Exchange implements ConnectionUser, ResponseEvents {
  private conn: UpstreamConnection | undefined;
  private cancelWait: () => void = () => undefined;
  private readonly parser: ResponseParser;
  private status = 0;
  /** A byte of the client's body was read, to go to the function: sending it again is no longer safe. */
  private taken = false;
  private headWritten = false;
  private bodyDone: boolean;
  private settled = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly fn: string,
    private readonly head: string,
    private readonly body: BodyFraming,
    private readonly timeoutMs: number,
    private readonly done: (err: Error | undefined, status: number) => void,
  ) {
    this.parser = new ResponseParser(this, req.method === 'HEAD');
    this.bodyDone = body === 'none';
    // on/removeListener, not once: once wraps the listener in a closure per request (the hot path).
    res.on('close', this.onClientClose);
  }

  start(pool: UpstreamPool): void {
    const cancel = pool.acquire(this, this.take);
    if (!this.conn) this.cancelWait = cancel;
  }

  private readonly take = (conn: UpstreamConnection): void => {
    this.conn = conn;
    if (conn.connected) this.send();
  };

  connected(): void {
    this.send();
  }

  private send(): void {
    const socket = (this.conn as UpstreamConnection).socket;
    socket.setTimeout(this.timeoutMs);
    if (this.body === 'none') {
      this.headWritten = true;
      socket.write(this.head, 'latin1');
      return;
    }
    this.req.on('data', this.onBodyData).on('end', this.onBodyEnd).on('aborted', this.onClientClose);
    this.req.resume();
  }

  private readonly onBodyData = (chunk: Buffer): void => {
    this.taken = true;
    const socket = (this.conn as UpstreamConnection).socket;
    if (!this.headWritten) {
      this.headWritten = true;
      socket.cork();
      socket.write(this.head, 'latin1');
    }
    if (this.body === 'chunked') socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    const more = socket.write(chunk);
    if (this.body === 'chunked') socket.write('\r\n', 'latin1');
    if (socket.writableCorked) socket.uncork();
    if (!more) {
      this.req.pause();
      socket.once('drain', this.onUpstreamDrain);
    }
  };

  private readonly onUpstreamDrain = (): void => {
    if (!this.settled && !this.bodyDone) this.req.resume();
  };

  private readonly onBodyEnd = (): void => {
    this.bodyDone = true;
    this.detachBody();
    const socket = (this.conn as UpstreamConnection).socket;
    let out = this.headWritten ? '' : this.head;
    this.headWritten = true;
    if (this.body === 'chunked') out += LAST_CHUNK;
    if (out) socket.write(out, 'latin1');
  };

  private detachBody(): void {
    if (this.body === 'none') return;
    this.req.off('data', this.onBodyData).off('end', this.onBodyEnd).off('aborted', this.onClientClose);
    if (!this.bodyDone) this.req.pause(); // what was not read stays for another attempt
  }

  data(chunk: Buffer): void {
    this.parse(() => this.parser.feed(chunk));
  }

  /** The function closed its side: the end of an answer read until close, or a broken one. */
  ended(): void {
    if (this.parser.started) this.parse(() => this.parser.end());
    else this.fail(this.upstreamError('the connection closed', 'closed'));
  }

  /**
   * Runs the parser on the socket's event. Whatever it throws fails this request only, never the
   * process: a malformed answer, or one Node will not pass on (writeHead refuses a control character
   * in a header value).
   */
  private parse(step: () => void): void {
    try {
      step();
    } catch (err) {
      const reason =
        err instanceof ResponseParseError ? 'a malformed answer' : 'an answer that cannot be passed on';
      this.fail(new UpstreamError(this.fn, `${reason}: ${(err as Error).message}`, false, { cause: err }));
    }
  }

  onHead(status: number, headers: string[]): void {
    this.status = status;
    this.res.writeHead(status, responseHeaders(headers));
  }

  onBody(chunk: Buffer): void {
    if (this.res.write(chunk)) return;
    const socket = (this.conn as UpstreamConnection).socket;
    socket.pause();
    socket.setTimeout(0); // a slow client is not the function's silence
    this.res.once('drain', this.onClientDrain);
  }

  private readonly onClientDrain = (): void => {
    if (this.settled || !this.conn) return;
    this.conn.socket.setTimeout(this.timeoutMs);
    this.conn.socket.resume();
  };

  onEnd(reusable: boolean): void {
    // An answer before the whole body went out (e.g. 413): the function may still read; not reused.
    const clean = reusable && this.bodyDone;
    if (!this.bodyDone) this.detachBody();
    this.res.end();
    this.finish(undefined, clean);
  }

  errored(err: Error): void {
    const code = (err as { code?: string }).code ?? '';
    this.fail(this.upstreamError(err.message, code, err));
  }

  timedOut(): void {
    if (!this.conn?.connected) return this.fail(this.upstreamError('the connect timed out', 'connect'));
    this.fail(new UpstreamError(this.fn, `no answer in ${this.timeoutMs} ms`, false));
  }

  closed(): void {
    this.fail(this.upstreamError('the connection closed', 'closed'));
  }

  private readonly onClientClose = (): void => {
    if (this.settled || this.res.writableFinished) return;
    this.cancelWait();
    this.fail(new ClientClosedError(this.fn));
  };

  /**
   * Safe to send again (provider/invoke.ts): nothing reached the function (no connection, or the head
   * still unwritten), or a bodiless request whose connection broke before any answer (a replica killed
   * mid-request), or one whose body was not yet read. No answer in time is never resent: the function
   * may still be working on it.
   */
  private upstreamError(reason: string, code: string, cause?: Error): UpstreamError {
    const broken = BROKEN.has(code);
    const safe =
      this.status === 0 &&
      !this.parser.started &&
      (!this.conn?.connected || !this.headWritten || (broken && (this.body === 'none' || !this.taken)));
    return new UpstreamError(this.fn, reason, safe, cause ? { cause } : undefined);
  }

  private fail(err: Error): void {
    if (this.settled) return;
    if (this.req.destroyed && !this.req.complete && !(err instanceof ClientClosedError))
      err = new ClientClosedError(this.fn);
    this.detachBody();
    this.finish(err, false);
  }

  private finish(err: Error | undefined, reusable: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.res.removeListener('close', this.onClientClose);
    const conn = this.conn;
    this.conn = undefined;
    if (conn) conn.pool.release(conn, reusable);
    this.done(err, this.status || 502);
  }
}
