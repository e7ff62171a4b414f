import type { Descriptor } from '../containerd/index.js';
import type { ImageRef } from './reference.js';
import { BlobInterruptedError } from './registry-errors.js';
import type { Progress } from './progress.js';

export interface BlobWriteOptions {
  lease?: string;
  onProgress?: (written: number, total: number) => void;
}

/** What fetching a blob needs of containerd's content store (`Content` has it). */
export interface BlobStore {
  info(digest: string): Promise<unknown>;
  /** Writes from the offset the store already holds: `source(offset)` yields the bytes from there on. */
  write(
    digest: string,
    size: number,
    source: (offset: number) => AsyncIterable<Uint8Array>,
    opts?: BlobWriteOptions,
  ): Promise<void>;
  abortWrite(digest: string): Promise<void>;
}

/** What fetching a blob needs of the registry (`RegistryClient` has it). */
export interface BlobSource {
  blob(ref: ImageRef, digest: string, offset: number): AsyncIterable<Uint8Array>;
}

export interface FetchBlobOptions {
  lease: string;
  progress: Progress;
  /** Bytes received from the registry, added up across blobs and attempts. */
  counter: { bytes: number };
}

/**
 * Fetches one blob into the content store unless it is there. A write resumes what an earlier attempt
 * left (a Range request); at most three requests per blob:
 * - a body that breaks off mid-way is resumed once from where containerd stands;
 * - a resume that fails in any way (a registry answering 416 while the image is pushed again: issue #11,
 *   a 5xx, bytes that do not hash right) drops the partial write and starts from byte 0, once.
 * Anything else, and a second failure of the same kind, fails the pull.
 */
export async function fetchBlob(
  store: BlobStore,
  registry: BlobSource,
  ref: ImageRef,
  desc: Descriptor,
  opts: FetchBlobOptions,
): Promise<void> {
  const { progress, counter } = opts;
  if (await store.info(desc.digest)) {
    progress.layer(desc.digest, desc.size, desc.size);
    return;
  }
  let resumed = false;
  let restarted = false;
  for (;;) {
    // `from` stays -1 when the write failed before asking for bytes (then there is nothing to resume).
    const attempt = { from: -1, reached: -1 };
    try {
      await store.write(
        desc.digest,
        desc.size,
        async function* (offset) {
          attempt.from = offset;
          attempt.reached = offset;
          for await (const chunk of registry.blob(ref, desc.digest, offset)) {
            counter.bytes += chunk.length;
            attempt.reached += chunk.length;
            yield chunk;
          }
        },
        { lease: opts.lease, onProgress: (done, total) => progress.layer(desc.digest, done, total) },
      );
      return;
    } catch (err) {
      if (attempt.from > 0 && !restarted) {
        restarted = true;
        progress.note(`blob ${desc.digest}: resume at byte ${attempt.from} failed; restarting from byte 0`);
        await store.abortWrite(desc.digest);
        continue;
      }
      if (err instanceof BlobInterruptedError && attempt.reached > attempt.from && !resumed) {
        resumed = true;
        progress.note(`blob ${desc.digest}: broke off at byte ${attempt.reached}; resuming`);
        continue;
      }
      throw err;
    }
  }
}
