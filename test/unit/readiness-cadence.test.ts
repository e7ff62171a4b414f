import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readiness } from '../../src/provider/readiness.js';
import { FakeProbe } from '../helpers/fake-functions.js';
import { quietLogger } from '../helpers/edge-fakes.js';

/** A sleep that keeps what it was asked to wait and lets the probe in `probe` answer 200 after `n` waits. */
class CountingSleep {
  readonly waits: number[] = [];
  constructor(
    private readonly probe: FakeProbe,
    private readonly readyAfter: number,
  ) {}
  readonly sleep = (ms: number): Promise<void> => {
    this.waits.push(ms);
    if (this.waits.length >= this.readyAfter) this.probe.answer = { kind: 'status', status: 200 };
    return Promise.resolve();
  };
}

describe('readiness: probe cadence of a starting task (issue #13)', () => {
  it('probes at once, then after 10 ms doubling up to 200 ms (a slow starter is seen within 200 ms)', async () => {
    const probe = new FakeProbe();
    const sleep = new CountingSleep(probe, 8);
    const lines: string[] = [];
    const r = new Readiness({
      probe: probe.probe,
      runningPid: () => Promise.resolve(7),
      port: 8080,
      log: quietLogger(lines),
      sleep: sleep.sleep,
    });
    r.watch('ns', 'f', '10.0.0.2', 7, 42);
    assert.equal(await r.waitReady('ns', 'f', 60_000), 'ready');
    assert.deepEqual(sleep.waits, [10, 20, 40, 80, 160, 200, 200, 200]);
    assert.equal(probe.probes, 9, 'one probe before the first wait');
    const line = lines.find((l) => l.includes('function ready'));
    assert.ok(line?.includes('start_ms=42') && line.includes('probes=9'), line);
  });
});
