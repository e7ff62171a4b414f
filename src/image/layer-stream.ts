import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pack as tarPack, type Pack } from 'tar-stream';
import { FaasdError } from '../errors.js';
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

/**
 * The tar layer of `entries` as a stream: the same bytes `buildTar` makes for the same files (parents
 * added, sorted, fixed mtime), with host files read as the tar is consumed, so a layer of any size
 * holds only a few chunks in memory (issue #12: a 50 MB layer built in a Buffer stayed as garbage).
 * Each call reads the host files again.
 */
export function tarStream(entries: LayerEntry[]): AsyncIterable<Buffer> {
  const ordered = layerOrder(entries);
  return (async function* () {
    const p = tarPack();
    const producing = produce(p, ordered).catch((err: unknown) => {
      p.destroy(err instanceof Error ? err : new Error(String(err)));
    });
    try {
      for await (const chunk of p as AsyncIterable<Buffer>) yield chunk;
    } finally {
      // A consumer that stops early destroys the pack, which ends the producer's wait.
      p.destroy(null);
      await producing;
    }
  })();
}

async function produce(p: Pack, entries: LayerEntry[]): Promise<void> {
  for (const e of entries) {
    if (e.source) {
      await streamHostFile(p, e, e.source);
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
async function streamHostFile(p: Pack, e: LayerEntry, source: { hostPath: string; size: number }) {
  let settle: (err?: Error | null) => void = () => undefined;
  const entryDone = new Promise<void>((done, fail) => (settle = (err) => (err ? fail(err) : done())));
  entryDone.catch(() => undefined);
  const sink = quiet(p.entry(tarHeader(e, source.size), (err) => settle(err)));
  let read = 0;
  for await (const chunk of createReadStream(source.hostPath) as AsyncIterable<Buffer>) {
    read += chunk.length;
    if (read > source.size) throw new HostFileChangedError(source.hostPath, source.size, read);
    if (!sink.write(chunk)) await drainOrClose(sink);
    if (sink.destroyed) throw new Error(`tar stream closed while writing ${e.path}`);
  }
  if (read !== source.size) throw new HostFileChangedError(source.hostPath, source.size, read);
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
