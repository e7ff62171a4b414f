import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readiness, type ProbeAnswer } from '../../src/provider/readiness.js';
import { quietLogger } from '../helpers/edge-fakes.js';

/** A probe whose answers wait until the test releases them; it counts how many were in flight at once. */
class HeldProbe {
  inFlight = 0;
  maxInFlight = 0;
  private readonly held: (() => void)[] = [];

  readonly probe = (): Promise<ProbeAnswer> => {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve) =>
      this.held.push(() => {
        this.inFlight--;
        resolve({ kind: 'status', status: 200 });
      }),
    );
  };

  /** Answers every probe held now; how many there were. */
  release(): number {
    const n = this.held.length;
    for (const f of this.held.splice(0)) f();
    return n;
  }
}

describe('readiness: a daemon adopting a thousand running replicas (issue #16)', () => {
  it('probes each once, at most maxProbes at a time, and all become ready', async () => {
    const probe = new HeldProbe();
    const r = new Readiness({
      probe: probe.probe,
      runningPid: () => Promise.resolve(7),
      port: 8080,
      log: quietLogger(),
      maxProbes: 4,
    });
    const ids = Array.from({ length: 40 }, (_, i) => `f${i}`);
    for (const id of ids) r.watch('ns', id, `10.0.0.${ids.indexOf(id) + 2}`, 7);
    const all = Promise.all(ids.map((id) => r.waitReady('ns', id, 60_000)));
    let answered = 0;
    // Each round lets the held probes answer; the gate then admits the next ones.
    for (let round = 0; round < 20 && answered < ids.length; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      answered += probe.release();
    }
    assert.deepEqual(
      await all,
      ids.map(() => 'ready'),
    );
    assert.equal(answered, ids.length, 'one probe per replica');
    assert.equal(probe.maxInFlight, 4);
  });
});
