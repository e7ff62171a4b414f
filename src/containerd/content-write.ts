import type * as grpc from '@grpc/grpc-js';
import type { WriteContentRequest } from './generated/containerd/services/content/v1/WriteContentRequest.js';
import type { WriteContentResponse__Output } from './generated/containerd/services/content/v1/WriteContentResponse.js';
import { fromServiceError } from './errors.js';

type WriteRequest = WriteContentRequest;
type WriteResponse = WriteContentResponse__Output;

/** Request/response over containerd's bidirectional Write stream: one answer per message sent. */
export class WriteSession {
  private readonly pending: { resolve: (r: WriteResponse) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;
  /** Settles when containerd has ended the call, i.e. closed its writer and released the ingest ref. */
  private readonly ended: Promise<void>;

  constructor(private readonly call: grpc.ClientDuplexStream<WriteRequest, WriteResponse>) {
    this.ended = new Promise((resolve) => call.once('status', () => resolve()));
    call.on('data', (r: WriteResponse) => this.pending.shift()?.resolve(r));
    call.on('error', (e: grpc.ServiceError) => {
      this.failure = fromServiceError('content.Write', e);
      for (const p of this.pending.splice(0)) p.reject(this.failure);
    });
  }

  send(msg: WriteRequest): Promise<WriteResponse> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.call.write(msg);
    });
  }

  /**
   * Sends without waiting for the answer (answers still come in order, one per message), so data
   * streams at the socket's pace instead of one round trip per chunk; waits only when gRPC's buffer is full.
   */
  async pipeline(msg: WriteRequest): Promise<void> {
    if (this.failure) throw this.failure;
    const answered = new Promise<WriteResponse>((resolve, reject) => this.pending.push({ resolve, reject }));
    answered.catch(() => undefined);
    if (!this.call.write(msg)) await new Promise<void>((resolve) => this.call.once('drain', resolve));
  }

  /**
   * Half-closes and waits (at most 10 s) until containerd has ended the call: until then it still holds
   * the ref, so an immediate retry would be refused as locked and an Abort would race the open writer.
   */
  async end(): Promise<void> {
    this.call.end();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)));
    await Promise.race([this.ended, bound]);
    clearTimeout(timer);
  }
}

export const WRITE_MESSAGE_BYTES = 1 << 20;

/** Gathers byte chunks into pieces of exactly `size` bytes (the last one, from flush, may be shorter). */
export class Batcher {
  private parts: Uint8Array[] = [];
  private held = 0;

  constructor(private readonly size: number) {}

  *add(chunk: Uint8Array): Generator<Uint8Array> {
    let rest = chunk;
    while (this.held + rest.length >= this.size) {
      const take = this.size - this.held;
      this.parts.push(rest.subarray(0, take));
      rest = rest.subarray(take);
      this.held = this.size;
      yield this.flush() as Uint8Array;
    }
    if (rest.length > 0) {
      this.parts.push(rest);
      this.held += rest.length;
    }
  }

  flush(): Uint8Array | undefined {
    if (this.held === 0) return undefined;
    const out =
      this.parts.length === 1 ? (this.parts[0] as Uint8Array) : Buffer.concat(this.parts, this.held);
    this.parts = [];
    this.held = 0;
    return out;
  }
}
