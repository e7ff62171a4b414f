import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { writeLog, type FollowStats } from '../../src/provider/logs.js';
import { pollUntil } from '../helpers/wait.js';

/** A client that does not read until told to: its writes stay pending, as on a full socket. */
class StalledClient extends Writable {
  private readonly pending: (() => void)[] = [];
  private reading = false;
  lines = 0;
  /** The most bytes ever queued in this stream (what the provider would hold for the client). */
  maxQueued = 0;

  constructor(highWaterMark: number) {
    super({ highWaterMark });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.maxQueued = Math.max(this.maxQueued, this.writableLength);
    this.lines += chunk.toString().split('\n').length - 1;
    if (this.reading) cb();
    else this.pending.push(cb);
  }

  read(): void {
    this.reading = true;
    for (const cb of this.pending.splice(0)) cb();
  }
}

const LINE_TEXT = 'x'.repeat(200);
const logLines = (n: number, from: number) =>
  Array.from(
    { length: n },
    (_, i) => `2026-01-01T00:00:00.000000000Z stdout ${from + i} ${LINE_TEXT}\n`,
  ).join('');

describe('log follow with a client that does not read (issue #17 item 5)', () => {
  const dirs: string[] = [];
  const clients: Writable[] = [];
  after(async () => {
    for (const c of clients) c.destroy(); // ends a follower the test left behind when it failed
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('stops reading the file while the client is full, and delivers every line once it reads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faasd-test-logs-'));
    dirs.push(dir);
    const path = join(dir, 'chatty.log');
    await writeFile(path, '');
    const highWaterMark = 16 * 1024;
    const client = new StalledClient(highWaterMark);
    clients.push(client);
    const stats: FollowStats = { bytesRead: 0, waitingForDrain: false, following: false };
    const chunkBytes = 8 * 1024;
    const following = writeLog(
      client,
      path,
      { name: 'chatty', namespace: 'fn', tail: undefined, since: undefined, follow: true },
      { pollMs: 10, chunkBytes, stats },
    );
    await pollUntil('the follower to follow', async () => (stats.following ? true : undefined));
    const perBatch = 20_000; // ~4.5 MB of log
    await appendFile(path, logLines(perBatch, 0));
    await pollUntil('the follower to wait for the client', async () =>
      stats.waitingForDrain ? true : undefined,
    );
    // What fills the client's buffer, and at most one chunk more, out of ~4.5 MB.
    const parkedAt = stats.bytesRead;
    assert.ok(parkedAt <= highWaterMark + chunkBytes, `read ${parkedAt} bytes the client is not taking`);
    // The function keeps writing; the follower is still parked on the same chunk.
    await appendFile(path, logLines(perBatch, perBatch));
    assert.equal(stats.bytesRead, parkedAt);
    client.read();
    await pollUntil(
      'every line to reach the client',
      async () => (client.lines === 2 * perBatch ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    // What waited in the client's stream never went far past its buffer: the file was not read ahead.
    assert.ok(client.maxQueued <= highWaterMark + 1024, `queued ${client.maxQueued} bytes`);
    client.destroy();
    await following;
  });
});
