import { DigestMismatchError, sha256Digest } from '../../src/containerd/index.js';
import type { BlobSource, BlobStore, BlobWriteOptions } from '../../src/image/fetch-blob.js';
import type { ImageRef } from '../../src/image/reference.js';
import { BlobInterruptedError, RegistryResponseError } from '../../src/image/registry-errors.js';

/** containerd's content store in memory: a failed write keeps what it got, as an ingest does. */
export class FakeBlobStore implements BlobStore {
  readonly committed = new Map<string, Buffer>();
  readonly partial = new Map<string, Buffer>();
  readonly aborted: string[] = [];

  info(digest: string): Promise<unknown> {
    return Promise.resolve(this.committed.has(digest) ? { digest } : undefined);
  }

  async write(
    digest: string,
    size: number,
    source: (offset: number) => AsyncIterable<Uint8Array>,
    opts: BlobWriteOptions = {},
  ): Promise<void> {
    let held = this.partial.get(digest) ?? Buffer.alloc(0);
    opts.onProgress?.(held.length, size);
    for await (const chunk of source(held.length)) {
      held = Buffer.concat([held, chunk]);
      this.partial.set(digest, held);
    }
    if (held.length !== size || sha256Digest(held) !== digest) {
      this.partial.delete(digest);
      throw new DigestMismatchError(digest, sha256Digest(held));
    }
    this.partial.delete(digest);
    this.committed.set(digest, held);
  }

  abortWrite(digest: string): Promise<void> {
    this.aborted.push(digest);
    this.partial.delete(digest);
    return Promise.resolve();
  }
}

/** What the fake registry does with one request: send it all, break off after `cutAt` bytes, or answer a status. */
export type BlobAnswer =
  { kind: 'whole' } | { kind: 'cut'; cutAt: number } | { kind: 'status'; status: number };

/** A registry that answers blob requests from a script, one answer per request, and records their offsets. */
export class ScriptedBlobSource implements BlobSource {
  readonly offsets: number[] = [];

  constructor(
    private readonly body: Buffer,
    private readonly script: BlobAnswer[],
  ) {}

  async *blob(_ref: ImageRef, digest: string, offset: number): AsyncGenerator<Uint8Array> {
    this.offsets.push(offset);
    const answer = this.script[this.offsets.length - 1] ?? { kind: 'whole' };
    if (answer.kind === 'status')
      throw new RegistryResponseError(`http://registry.test/v2/x/blobs/${digest}`, answer.status, '');
    const rest = this.body.subarray(offset);
    if (answer.kind === 'whole') {
      yield rest;
      return;
    }
    yield rest.subarray(0, answer.cutAt - offset);
    throw new BlobInterruptedError('registry.test', digest, 'terminated');
  }
}
