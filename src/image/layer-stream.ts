import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { pack as tarPack, type Pack } from 'tar-stream';
import { FaasdError } from '../errors.js';
import { BufferPool } from './buffer-pool.js';
import { layerOrder, tarHeader, type LayerEntry } from './tar-layer.js';

/** A host file's size differs from what stat said when the layer was planned: its layer is not written. */
export class HostFileChangedError extends FaasdError {
  constructor(
    readonly hostPath: string,
    readonly statSize: number,
    readonly readSize: number,
  ) {
    super(
      'conflict',
      `host file ${hostPath} changed while it was packed: stat said ${statSize} bytes, ` +
        `reading it gave ${readSize > statSize ? `more than ${statSize}` : readSize}; try again`,
    );
  }
}

/** Read buffers per stream: enough to keep the file read ahead of the consumer, few enough to cost nothing. */
const POOL_BUFFERS = 4;
const POOL_BUFFER_BYTES = 64 * 1024;

/**
 * The tar layer of `entries` as a stream: the same bytes `buildTar` makes for the same files (parents
 * added, sorted, fixed mtime), with host files read as the tar is consumed, so a layer of any size
 * holds only a few chunks in memory (issue #12: a 50 MB layer built in a Buffer stayed as garbage).
 * Host files are read into a few reused buffers: **a chunk is valid only until the next one is asked
 * for**; a consumer that keeps chunks must copy them (`ownedChunks`). Each call reads the files again.
 */
export function tarStream(entries: LayerEntry[]): AsyncIterable<Buffer> {
  const ordered = layerOrder(entries);
  return (async function* () {
    const p = tarPack();
    const pool = new BufferPool(POOL_BUFFERS, POOL_BUFFER_BYTES);
    const producing = produce(p, pool, ordered).catch((err: unknown) => {
      p.destroy(err instanceof Error ? err : new Error(String(err)));
    });
    try {
      for await (const chunk of p as AsyncIterable<Buffer>) {
        yield chunk;
        // Back here, the consumer is done with the chunk: its buffer may be read into again.
        pool.giveBack(chunk);
      }
    } finally {
      // A consumer that stops early closes the pool and destroys the pack, which ends the producer's wait.
      pool.close();
      p.destroy(null);
      await producing;
    }
  })();
}

async function produce(p: Pack, pool: BufferPool, entries: LayerEntry[]): Promise<void> {
  for (const e of entries) {
    if (e.source) {
      await streamHostFile(p, pool, e, e.source);
    } else {
      const body = e.type === 'file' ? (e.content ?? Buffer.alloc(0)) : Buffer.alloc(0);
      await new Promise<void>((resolve, reject) =>
        quiet(p.entry(tarHeader(e, body.length), body, (err) => (err ? reject(err) : resolve()))),
      );
    }
  }
  p.finalize();
}

/**
 * Copies a host file into its entry, at the pace the tar is read. Its size is checked before a byte
 * past the stat'ed size reaches the tar, and again at its end: a file that grew or shrank since stat
 * fails the layer instead of corrupting it.
 */
async function streamHostFile(
  p: Pack,
  pool: BufferPool,
  e: LayerEntry,
  source: { hostPath: string; size: number },
): Promise<void> {
  let settle: (err?: Error | null) => void = () => undefined;
  const entryDone = new Promise<void>((done, fail) => (settle = (err) => (err ? fail(err) : done())));
  entryDone.catch(() => undefined);
  const sink = quiet(p.entry(tarHeader(e, source.size), (err) => settle(err)));
  const file = await open(source.hostPath, 'r');
  try {
    let read = 0;
    for (;;) {
      const buf = await pool.take();
      const { bytesRead } = await file.read(buf, 0, buf.length, null);
      if (bytesRead === 0) {
        pool.giveBack(buf);
        break;
      }
      read += bytesRead;
      if (read > source.size) throw new HostFileChangedError(source.hostPath, source.size, read);
      if (!sink.write(buf.subarray(0, bytesRead))) await drainOrClose(sink);
      if (sink.destroyed) throw new Error(`tar stream closed while writing ${e.path}`);
    }
    if (read !== source.size) throw new HostFileChangedError(source.hostPath, source.size, read);
  } finally {
    await file.close();
  }
  sink.end(null);
  await entryDone;
}

type Sink = ReturnType<Pack['entry']>;

/**
 * A failed pack destroys its entry's sink with the error, which the sink emits; the error already
 * reaches the consumer through the pack, so without a listener here it would be thrown a second time.
 */
function quiet(sink: Sink): Sink {
  sink.on('error', () => undefined);
  return sink;
}

function drainOrClose(sink: Sink): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sink.off('drain', done);
      sink.off('close', done);
      resolve();
    };
    sink.on('drain', done);
    sink.on('close', done);
  });
}

/** The sha256 digest and size of a byte stream, read once. */
export async function digestOf(source: AsyncIterable<Uint8Array>): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/**
 * Copies a stream of borrowed chunks into buffers of its own of `bytes` each (the last may be shorter),
 * for a consumer that keeps them: containerd's write sends 1 MiB messages, so these pass through whole.
 */
export async function* ownedChunks(
  source: AsyncIterable<Uint8Array>,
  bytes = 1 << 20,
): AsyncGenerator<Buffer> {
  let out = Buffer.allocUnsafeSlow(bytes);
  let held = 0;
  for await (const chunk of source) {
    let rest = chunk;
    while (rest.length > 0) {
      const n = Math.min(rest.length, bytes - held);
      out.set(rest.subarray(0, n), held);
      held += n;
      rest = rest.subarray(n);
      if (held === bytes) {
        yield out;
        out = Buffer.allocUnsafeSlow(bytes);
        held = 0;
      }
    }
  }
  if (held > 0) yield out.subarray(0, held);
}
