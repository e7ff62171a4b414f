/**
 * An HTTP/1.1 response read incrementally from a function's connection (issue #12: undici's client was
 * most of the gateway's cost per invocation; our own reader of the little a proxy needs doubled the
 * throughput). Strict: anything it does not understand is an error (a 502 to the client), never a
 * guess; obs-fold, a bad status line, conflicting lengths and oversized heads are refused.
 */

/** A head (status line and headers) larger than this is refused: undici's 16 KB, times four. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line (hex size and extensions) or trailer section larger than this is refused. */
const MAX_LINE_BYTES = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;

export class ResponseParseError extends Error {}

export interface ResponseEvents {
  /** The final head (1xx heads are skipped). `headers` is flat: name, value, name, value… (latin1). */
  onHead(status: number, headers: string[]): void;
  onBody(chunk: Buffer): void;
  /** The whole response was read; `reusable`: the connection may carry another request. */
  onEnd(reusable: boolean): void;
}

const enum State {
  Head,
  Fixed,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

const CRLF2 = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DIGITS = /^\d{1,15}$/;
const HEX = /^[0-9A-Fa-f]{1,12}$/;

/**
 * Feed it what the connection reads, in order. `noBody`: the request was HEAD (a response to it has no
 * body whatever its headers say). Throws ResponseParseError on a malformed response.
 */
export class ResponseParser {
  private state = State.Head;
  private pending: Buffer | undefined;
  private remaining = 0;
  private keepAlive = true;
  private trailerBytes = 0;
  private reported = false;
  /** Bytes that came after the end of the response (a misbehaving server): the connection is not reused. */
  private extra = false;
  /** Any byte of a response arrived. */
  started = false;

  constructor(
    private readonly events: ResponseEvents,
    private readonly noBody: boolean,
  ) {}

  get done(): boolean {
    return this.state === State.Done;
  }

  /** The connection ended: completes a body read until close; anything else unfinished is an error. */
  end(): void {
    if (this.state === State.UntilClose) {
      this.finish();
      return this.report();
    }
    if (this.state !== State.Done)
      throw new ResponseParseError('the connection closed before the answer was complete');
  }

  feed(data: Buffer): void {
    this.started = true;
    if (this.done) {
      this.extra = true;
      return;
    }
    const buf = this.pending ? Buffer.concat([this.pending, data]) : data;
    this.pending = undefined;
    let at = 0;
    while (at < buf.length) {
      switch (this.state) {
        case State.Head: {
          const end = buf.indexOf(CRLF2, at);
          if (end < 0) return this.keep(buf, at, MAX_HEAD_BYTES, 'the answer head');
          this.head(buf.toString('latin1', at, end));
          at = end + 4;
          break;
        }
        case State.Fixed:
        case State.ChunkData:
          at = this.counted(buf, at);
          break;
        case State.UntilClose:
          this.events.onBody(at === 0 ? buf : buf.subarray(at));
          at = buf.length;
          break;
        case State.ChunkSize:
        case State.ChunkDataEnd:
        case State.Trailers: {
          const eol = buf.indexOf('\r\n', at, 'latin1');
          if (eol < 0) return this.keep(buf, at, MAX_LINE_BYTES, 'a chunk line');
          this.line(buf.toString('latin1', at, eol));
          at = eol + 2;
          break;
        }
      }
      if (this.done) break;
    }
    if (!this.done) return;
    if (at < buf.length) this.extra = true;
    this.report();
  }

  /** Tells the end once, with whether the connection may carry another request. */
  private report(): void {
    if (this.reported) return;
    this.reported = true;
    this.events.onEnd(this.keepAlive && !this.extra);
  }

  /** Passes on what is left of a counted body (a Content-Length's, or a chunk's); returns where it ends. */
  private counted(buf: Buffer, at: number): number {
    const n = Math.min(this.remaining, buf.length - at);
    this.events.onBody(buf.subarray(at, at + n));
    this.remaining -= n;
    if (this.remaining === 0) {
      if (this.state === State.Fixed) this.finish();
      else this.state = State.ChunkDataEnd;
    }
    return at + n;
  }

  private keep(buf: Buffer, at: number, max: number, what: string): void {
    if (buf.length - at > max) throw new ResponseParseError(`${what} is longer than ${max} bytes`);
    this.pending = Buffer.from(buf.subarray(at)); // a copy: the socket's buffer is not ours to hold
  }

  private head(text: string): void {
    const lines = text.split('\r\n');
    const m = STATUS_LINE.exec(lines[0] ?? '');
    if (!m)
      throw new ResponseParseError(
        `not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`,
      );
    const http10 = m[1] === '0';
    const status = Number(m[2]);
    const headers: string[] = [];
    let length: string | undefined;
    let chunked = false;
    let encoded = false;
    let connection = '';
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i] as string;
      const colon = l.indexOf(':');
      const name = colon > 0 ? l.slice(0, colon) : '';
      if (!TOKEN.test(name))
        throw new ResponseParseError(`a malformed header line: ${JSON.stringify(l.slice(0, 80))}`);
      const value = l.slice(colon + 1).trim();
      headers.push(name, value);
      switch (name.length) {
        case 10:
          if (name.toLowerCase() === 'connection') connection += `,${value.toLowerCase()}`;
          break;
        case 14:
          if (name.toLowerCase() !== 'content-length') break;
          if (!DIGITS.test(value) || (length !== undefined && length !== value))
            throw new ResponseParseError(`a bad or conflicting Content-Length: ${JSON.stringify(value)}`);
          length = value;
          break;
        case 17:
          if (name.toLowerCase() !== 'transfer-encoding') break;
          encoded = true;
          chunked = /(?:^|,)\s*chunked\s*$/i.test(value); // chunked must be the last coding
          break;
      }
    }
    if (status < 200) {
      if (status === 101) throw new ResponseParseError('an upgrade (101) that was not asked for');
      return; // 100 Continue, 103 Early Hints: the final head follows
    }
    this.keepAlive = http10
      ? /,\s*keep-alive\s*(?:,|$)/.test(connection)
      : !/,\s*close\s*(?:,|$)/.test(connection);
    this.events.onHead(status, headers);
    if (this.noBody || status === 204 || status === 304) return this.finish();
    if (encoded) {
      // Both framings: Transfer-Encoding wins, and the connection must not be reused (RFC 9112 6.3).
      if (length !== undefined) this.keepAlive = false;
      if (chunked) this.state = State.ChunkSize;
      else this.untilClose();
    } else if (length !== undefined) {
      this.remaining = Number(length);
      if (this.remaining === 0) this.finish();
      else this.state = State.Fixed;
    } else this.untilClose();
  }

  private untilClose(): void {
    this.keepAlive = false;
    this.state = State.UntilClose;
  }

  private line(text: string): void {
    if (this.state === State.ChunkDataEnd) {
      if (text !== '') throw new ResponseParseError('a chunk did not end with CRLF');
      this.state = State.ChunkSize;
      return;
    }
    if (this.state === State.Trailers) {
      this.trailerBytes += text.length + 2;
      if (this.trailerBytes > MAX_TRAILER_BYTES) throw new ResponseParseError('the trailers are too long');
      if (text === '') this.finish(); // trailers are dropped, as undici's handler dropped them
      return;
    }
    const semi = text.indexOf(';');
    const size = (semi >= 0 ? text.slice(0, semi) : text).trim();
    if (!HEX.test(size))
      throw new ResponseParseError(`a bad chunk size: ${JSON.stringify(text.slice(0, 40))}`);
    this.remaining = parseInt(size, 16);
    this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
  }

  private finish(): void {
    this.state = State.Done;
  }
}
