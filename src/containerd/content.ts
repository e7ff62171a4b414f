import { createHash } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { present, type Scope } from './scope.js';
import type { CallOptions } from './grpc.js';
import type { ContentInfo } from './types.js';
import type { ReadContentResponse__Output } from './generated/containerd/services/content/v1/ReadContentResponse.js';
import type { WriteContentRequest } from './generated/containerd/services/content/v1/WriteContentRequest.js';
import type { WriteContentResponse__Output } from './generated/containerd/services/content/v1/WriteContentResponse.js';
import { fromServiceError, isNotFound, isServiceError } from './errors.js';
import { FaasdError } from '../errors.js';

/** The bytes committed did not hash to the digest they were fetched under. */
export class DigestMismatchError extends FaasdError {
  constructor(
    readonly expected: string,
    readonly actual: string,
    options?: ErrorOptions,
  ) {
    super('integrity', `digest mismatch: expected ${expected}, got ${actual}`, options);
  }
}

type WriteRequest = WriteContentRequest;
type WriteResponse = WriteContentResponse__Output;

/** Request/response over containerd's bidirectional Write stream: one answer per message sent. */
class WriteSession {
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

const WRITE_MESSAGE_BYTES = 1 << 20;

/** Gathers byte chunks into pieces of exactly `size` bytes (the last one, from flush, may be shorter). */
class Batcher {
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

export interface WriteBlobOptions extends CallOptions {
  labels?: Record<string, string>;
  /** Called with the offset containerd already holds; returns the bytes from there on. */
  onProgress?: (written: number, total: number) => void;
}

/** The ingest ref a blob is written under: the same for every attempt, so a later one can resume it. */
function writeRef(digest: string): string {
  return `faasd-${digest}`;
}

export type ChunkSource = (offset: number) => AsyncIterable<Uint8Array>;

export class Content {
  constructor(private readonly scope: Scope) {}

  async info(digest: string): Promise<ContentInfo | undefined> {
    try {
      const res = await this.scope.call('content', 'Info', { digest });
      return present(res.info, `the info of ${digest}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Adds labels (e.g. GC references) to a blob, leaving its other labels alone. */
  async addLabels(digest: string, labels: Record<string, string>): Promise<void> {
    const paths = Object.keys(labels).map((k) => `labels.${k}`);
    if (paths.length === 0) return;
    await this.scope.call('content', 'Update', { info: { digest, labels }, updateMask: { paths } });
  }

  async delete(digest: string): Promise<void> {
    try {
      await this.scope.call('content', 'Delete', { digest });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async readAll(digest: string): Promise<Buffer> {
    const parts = await this.scope.list('content', 'Read', { digest });
    return Buffer.concat(parts.map((p) => p.data));
  }

  read(digest: string, opts?: CallOptions): AsyncIterable<Buffer> {
    const stream = this.scope.conn.serverStream(this.scope.namespace, 'content', 'Read', { digest }, opts);
    return (async function* () {
      try {
        for await (const part of stream as AsyncIterable<ReadContentResponse__Output>) yield part.data;
      } catch (err) {
        throw isServiceError(err) ? fromServiceError('content.Read', err) : err;
      }
    })();
  }

  /**
   * Writes a blob under its expected digest. An interrupted earlier write with the same ref is resumed
   * from the offset containerd reports; containerd verifies size and digest at commit (not hashed here too).
   */
  async write(digest: string, size: number, source: ChunkSource, opts: WriteBlobOptions = {}): Promise<void> {
    const ref = writeRef(digest);
    const session = new WriteSession(this.scope.conn.duplex(this.scope.namespace, 'content', 'Write', opts));
    try {
      const stat = await session.send({ action: 'STAT', ref, total: size, expected: digest });
      let offset = stat.offset;
      opts.onProgress?.(offset, size);
      // HTTP bodies arrive in ~64 KiB pieces; containerd answers every WRITE message, so gather them into
      // 1 MiB messages (a sixteenth of the messages and answers; measured ~10% faster on a 50 MB layer).
      const batch = new Batcher(WRITE_MESSAGE_BYTES);
      const send = async (data: Uint8Array) => {
        await session.pipeline({ action: 'WRITE', ref, offset, data, total: size, expected: digest });
        offset += data.length;
        opts.onProgress?.(offset, size);
      };
      for await (const chunk of source(offset)) for (const data of batch.add(chunk)) await send(data);
      const rest = batch.flush();
      if (rest) await send(rest);
      // containerd hashes what it stores and refuses a commit whose size or digest differ from `expected`.
      try {
        // The offset must be sent: containerd truncates a writer whose COMMIT says offset 0.
        await session.send({
          action: 'COMMIT',
          ref,
          offset,
          total: size,
          expected: digest,
          labels: opts.labels ?? {},
        });
      } catch (err) {
        // A commit's only precondition is the declared size and digest: when they fail, the bytes are wrong.
        if (err instanceof FaasdError && err.kind === 'precondition') {
          await this.abort(ref);
          throw new DigestMismatchError(digest, 'different bytes', { cause: err });
        }
        if (err instanceof FaasdError && err.kind === 'exists') return;
        throw err;
      }
    } finally {
      await session.end();
    }
  }

  /** Drops a partial write of `digest`, so the next write of it starts at byte 0. */
  async abortWrite(digest: string): Promise<void> {
    await this.abort(writeRef(digest));
  }

  async abort(ref: string): Promise<void> {
    try {
      await this.scope.call('content', 'Abort', { ref });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async writeBuffer(digest: string, data: Buffer, opts: WriteBlobOptions = {}): Promise<void> {
    if (await this.info(digest)) {
      if (opts.labels) await this.addLabels(digest, opts.labels);
      return;
    }
    await this.write(
      digest,
      data.length,
      async function* (offset) {
        yield data.subarray(offset);
      },
      opts,
    );
  }
}

export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Drops the first `n` bytes of a byte stream (to resume a write from a source that starts at 0). */
export async function* skipBytes(source: AsyncIterable<Uint8Array>, n: number): AsyncGenerator<Uint8Array> {
  let skip = n;
  for await (const chunk of source) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
}
