import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BufferPool, PoolClosedError } from '../../src/image/buffer-pool.js';

describe('buffer pool', () => {
  it('lends its buffers in turn and takes back a view of one as the whole buffer', async () => {
    const pool = new BufferPool(2, 16);
    const a = await pool.take();
    const b = await pool.take();
    assert.notEqual(a.buffer, b.buffer);
    const waiting = pool.take();
    pool.giveBack(a.subarray(3, 5));
    const again = await waiting;
    assert.equal(again.buffer, a.buffer);
    assert.equal(again.length, 16);
  });

  it('ignores chunks of other memory', async () => {
    const pool = new BufferPool(1, 16);
    await pool.take();
    pool.giveBack(Buffer.alloc(16));
    const waiting = pool.take();
    pool.close();
    await assert.rejects(waiting, PoolClosedError);
  });

  it('fails waits after close, so a reader that stopped early does not hang its producer', async () => {
    const pool = new BufferPool(1, 16);
    await pool.take();
    const waiting = pool.take();
    pool.close();
    await assert.rejects(waiting, PoolClosedError);
    await assert.rejects(pool.take(), PoolClosedError);
  });
});
