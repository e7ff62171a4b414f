import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineClock, LineSplitter, LogFileWriter } from '../../src/runtime/log-writer.js';
import { parseLogLine } from '../../src/runtime/logs.js';

describe('log lines', () => {
  const cases: { name: string; chunks: string[]; want: string[]; rest: string[]; max?: number }[] = [
    { name: 'whole lines', chunks: ['a\nb\n'], want: ['a', 'b'], rest: [] },
    { name: 'a line split between chunks', chunks: ['he', 'llo\nwor'], want: ['hello'], rest: ['wor'] },
    { name: 'an empty line', chunks: ['\n'], want: [''], rest: [] },
    {
      name: 'a line longer than the bound is cut',
      chunks: ['abcdefgh'],
      want: ['abc', 'def'],
      rest: ['gh'],
      max: 3,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const s = new LineSplitter(c.max ?? 64);
      assert.deepEqual(
        c.chunks.flatMap((ch) => s.push(Buffer.from(ch))),
        c.want,
      );
      assert.deepEqual(s.end(), c.rest);
    });

  it('keeps a character split between two chunks whole', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('é\n');
    assert.deepEqual([...s.push(bytes.subarray(0, 1)), ...s.push(bytes.subarray(1))], ['é']);
  });

  it('stamps RFC 3339 with nanoseconds, never going backwards when the wall clock does', () => {
    let wall = Date.UTC(2024, 4, 1, 10, 0, 0, 123);
    const clock = new LineClock(
      () => wall,
      () => 456_789n,
    );
    assert.equal(clock.stamp(), '2024-05-01T10:00:00.123456789Z');
    wall -= 1000;
    assert.equal(clock.stamp(), '2024-05-01T10:00:00.123456790Z');
  });

  it('writes `<time> <stream> <text>` and rotates to .log.1 past the bound', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faasd-log-writer-'));
    try {
      const path = join(dir, 'c.log');
      const w = new LogFileWriter(path, 150, new LineClock());
      await w.append('stdout', ['one', 'two']);
      await w.append('stderr', ['three']);
      assert.deepEqual(
        (await readFile(path, 'utf8'))
          .trim()
          .split('\n')
          .map((l) => parseLogLine(l)?.stream + ' ' + parseLogLine(l)?.text),
        ['stdout one', 'stdout two', 'stderr three'],
      );
      await w.append('stdout', ['x'.repeat(60)]);
      assert.equal((await stat(`${path}.1`)).size > 150, true);
      await w.append('stdout', ['after']);
      assert.match(await readFile(path, 'utf8'), /^\S+ stdout after\n$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
