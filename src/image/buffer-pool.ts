/** The pool was closed (its reader stopped early) while a buffer was awaited. */
export class PoolClosedError extends Error {
  constructor() {
    super('buffer pool closed');
  }
}

/**
 * A few read buffers lent in turn, so streaming a large file allocates nothing per chunk (issue #12:
 * 64 KiB chunks read and dropped piled up ~35 MB of malloc heap per 50 MB before V8 collected them).
 * Every buffer has its own ArrayBuffer, which is how a lent chunk (a view of it) is recognised.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly mine = new Set<ArrayBufferLike>();
  private readonly waiting: { resolve: (b: Buffer) => void; reject: (e: Error) => void }[] = [];
  private closed = false;

  constructor(count: number, bytes: number) {
    for (let i = 0; i < count; i++) {
      const b = Buffer.allocUnsafeSlow(bytes);
      this.free.push(b);
      this.mine.add(b.buffer);
    }
  }

  /** A free buffer, waiting until one is given back. */
  take(): Promise<Buffer> {
    if (this.closed) return Promise.reject(new PoolClosedError());
    const b = this.free.pop();
    if (b) return Promise.resolve(b);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Gives back the buffer `chunk` is a view of; chunks of other memory are ignored. */
  giveBack(chunk: Uint8Array): void {
    if (!this.mine.has(chunk.buffer)) return;
    const whole = Buffer.from(chunk.buffer, 0, chunk.buffer.byteLength);
    const next = this.waiting.shift();
    if (next) next.resolve(whole);
    else this.free.push(whole);
  }

  /** Fails every wait, now and later. */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new PoolClosedError());
  }
}
