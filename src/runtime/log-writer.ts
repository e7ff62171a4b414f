import { appendFile, rename, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

/** A line longer than this is cut into pieces of this size (Docker's json-file cuts at 16 KiB). */
export const MAX_LINE_CHARS = 64 * 1024;

/** Splits one stream's bytes into lines; a character split between two chunks is kept whole. */
export class LineSplitter {
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly maxLine = MAX_LINE_CHARS) {}

  /** The complete lines in `chunk` (without their `\n`); the rest waits for the next chunk. */
  push(chunk: Buffer): string[] {
    const parts = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = parts.pop() ?? '';
    // Bounded: a stream that never ends its line is cut rather than held whole.
    while (this.partial.length >= this.maxLine) {
      parts.push(this.partial.slice(0, this.maxLine));
      this.partial = this.partial.slice(this.maxLine);
    }
    return parts;
  }

  /** What is left when the stream ends (a last line without `\n`), as a line. */
  end(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    return rest ? [rest] : [];
  }
}

/**
 * Wall-clock time in nanoseconds that never goes backwards within one process, so lines keep the
 * order they were read in even when two fall in the same millisecond or the clock steps back.
 */
export class LineClock {
  private last = 0n;

  constructor(
    private readonly wallMs: () => number = Date.now,
    private readonly monoNs: () => bigint = () => process.hrtime.bigint(),
  ) {}

  now(): bigint {
    // The sub-millisecond digits come from the monotonic clock: only their order matters.
    const ns = BigInt(this.wallMs()) * 1_000_000n + (this.monoNs() % 1_000_000n);
    this.last = ns > this.last ? ns : this.last + 1n;
    return this.last;
  }

  /** RFC 3339 with nanoseconds, UTC: `2024-05-01T10:00:00.123456789Z`. */
  stamp(): string {
    const ns = this.now();
    const iso = new Date(Number(ns / 1_000_000n)).toISOString(); // ...T10:00:00.123Z
    return `${iso.slice(0, 19)}.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`;
  }
}

/**
 * One container's log file: lines from both streams appended in the order they arrive, each
 * `<time> <stream> <text>`; past `maxBytes` the file is renamed to `.log.1` (the one before is
 * replaced) and a new one begun. Appends run one at a time, in order.
 */
export class LogFileWriter {
  private size: number | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly clock: LineClock,
  ) {}

  /** Resolves once the lines are in the file; rejects with the file system's error (nothing retried). */
  append(stream: 'stdout' | 'stderr', lines: string[]): Promise<void> {
    if (lines.length === 0) return this.queue;
    const text = lines.map((l) => `${this.clock.stamp()} ${stream} ${l}\n`).join('');
    const p = this.queue.then(() => this.write(text));
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Resolves when every append so far has been written (or has failed). */
  idle(): Promise<void> {
    return this.queue;
  }

  private async write(text: string): Promise<void> {
    this.size ??= (await stat(this.path).catch(() => undefined))?.size ?? 0;
    await appendFile(this.path, text, { mode: 0o640 });
    this.size += Buffer.byteLength(text);
    if (this.size > this.maxBytes) {
      await rename(this.path, `${this.path}.1`);
      this.size = 0;
    }
  }
}
