import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/**
 * The client's request body as undici reads it, one attempt at a time. undici destroys the body stream it
 * was given when a request fails; handing it the IncomingMessage itself would then reset the client's
 * connection, and a retry on another replica would have no body to send. This wrapper starts reading the
 * client only when undici pulls (after the connection stands), passes on backpressure, and `detach()`
 * leaves the client's stream as it was: whether anything was `taken` decides if a retry is safe.
 */
export class RequestBody extends Readable {
  /** A chunk of the client's body went to undici: the function may have seen part of the body. */
  taken = false;
  private attached = false;

  constructor(private readonly source: IncomingMessage) {
    super();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.taken = true;
    if (!this.push(chunk)) this.source.pause();
  };
  private readonly onEnd = (): void => {
    this.push(null);
  };
  private readonly onError = (err: Error): void => {
    this.destroy(err);
  };
  // 'aborted' (the client went away mid-body) is no 'error' on Node 20's IncomingMessage.
  private readonly onAborted = (): void => {
    this.destroy(new Error('the client aborted the request body'));
  };

  override _read(): void {
    if (!this.attached) {
      this.attached = true;
      this.source.on('data', this.onData).on('end', this.onEnd);
      this.source.on('error', this.onError).on('aborted', this.onAborted);
    }
    this.source.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.detach();
    callback(err);
  }

  /** Stops reading the client; what was not read stays in its stream for another attempt. */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.source.off('data', this.onData).off('end', this.onEnd);
    this.source.off('error', this.onError).off('aborted', this.onAborted);
    this.source.pause();
  }
}
