import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { cpuPerRequest, cpuTime, parseProcStat } from '../../bench/proc-stats.js';

describe('bench/proc-stats CPU time', () => {
  const cases = [
    {
      name: 'a plain command name',
      input: '15392 (cat) R 15388 15388 5798 0 -1 4194304 100 0 0 0 7 3 0 0 20 0 1 0 4957496 3133440 413',
      want: { userMs: 70, systemMs: 30 },
    },
    {
      name: 'a name with spaces and a bracket',
      input: '42 (node (main) x) S 1 42 42 0 -1 4194560 9 0 0 0 1234 56 0 0 20 0 11 0 100 0 0',
      want: { userMs: 12340, systemMs: 560 },
    },
  ];
  for (const c of cases)
    it(`reads utime and stime: ${c.name}`, () => assert.deepEqual(parseProcStat(c.input), c.want));

  it('refuses a line without the fields', () => {
    assert.throws(() => parseProcStat('42 (x) S 1'), /cannot read utime\/stime/);
  });

  it("reads this process's own figures, whole and main thread", async () => {
    const whole = await cpuTime(process.pid);
    const main = await cpuTime(process.pid, process.pid);
    assert.ok(whole.userMs + whole.systemMs >= main.userMs + main.systemMs);
  });

  it('divides the CPU a load used by the requests it reports', async () => {
    // Burns CPU on this thread until the clock has ticked, so the division has something to divide.
    const [r, c] = await cpuPerRequest(process.pid, async () => {
      const start = await cpuTime(process.pid, process.pid);
      for (;;) {
        const now = await cpuTime(process.pid, process.pid);
        if (now.userMs + now.systemMs > start.userMs + start.systemMs) break;
        for (let i = 0; i < 1e5; i++) Math.sqrt(i);
      }
      return { requests: 10 };
    });
    assert.equal(r.requests, 10);
    assert.ok(c.mainUs >= 1000, `at least one 10 ms tick over 10 requests: ${c.mainUs} µs`);
    // The process's and the thread's figures are each scaled from the scheduler's runtime on their own
    // (cputime_adjust) and read a moment apart: the thread's may lead by a tick (10 ms over 10 requests).
    assert.ok(c.processUs + 1000 >= c.mainUs, `all threads ${c.processUs} µs, main ${c.mainUs} µs`);
  });
});
