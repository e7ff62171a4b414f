import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Gate } from '../../src/provider/gate.js';
import { Readiness, type ProbeAnswer } from '../../src/provider/readiness.js';
import { quietLogger } from '../helpers/edge-fakes.js';

/** A probe that records which addresses it was asked, in order, and answers only when released. */
class OrderedProbe {
  readonly asked: string[] = [];
  private readonly held: (() => void)[] = [];

  readonly probe = (host: string): Promise<ProbeAnswer> => {
    this.asked.push(host);
    return new Promise((resolve) => this.held.push(() => resolve({ kind: 'status', status: 200 })));
  };

  /** Answers the oldest held probe. */
  releaseOne(): void {
    this.held.shift()?.();
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('gate: a call someone waits on goes first (issue #16)', () => {
  it('runs waiters in call order, and a hurried one before the rest', async () => {
    const gate = new Gate(1);
    const ran: string[] = [];
    let open!: () => void;
    const first = gate.run(() => new Promise<void>((r) => (open = r)), 'a');
    const rest = ['b', 'c', 'd'].map((k) => gate.run(() => Promise.resolve(void ran.push(k)), k));
    assert.equal(gate.hurry('d'), true);
    assert.equal(gate.hurry('nobody'), false);
    open();
    await Promise.all([first, ...rest]);
    assert.deepEqual(ran, ['d', 'b', 'c']);
  });
});

describe('readiness after a restart: the replica an invocation waits for is probed next', () => {
  it('hurries its queued first probe ahead of the other adopted replicas', async () => {
    const probe = new OrderedProbe();
    const r = new Readiness({
      probe: probe.probe,
      runningPid: () => Promise.resolve(7),
      port: 8080,
      log: quietLogger(),
      maxProbes: 1,
    });
    // Adopted at start, in reconcile's order: the first probe runs, the other nine wait.
    const ids = Array.from({ length: 10 }, (_, i) => `f${i}`);
    for (const [i, id] of ids.entries()) r.watch('ns', id, `10.0.0.${i + 2}`, 7);
    await turn();
    assert.deepEqual(probe.asked, ['10.0.0.2']);
    // An invocation of f8 arrives and waits for a ready replica.
    const waited = r.waitAnyReady('ns', ['f8'], 60_000);
    probe.releaseOne();
    await turn();
    assert.deepEqual(probe.asked, ['10.0.0.2', '10.0.0.10'], 'f8 is probed before f1..f7');
    probe.releaseOne();
    assert.equal(await waited, 'ready');
    assert.equal(r.readyNow('ns', 'f8'), true);
    assert.equal(r.readyNow('ns', 'f1'), false);
  });
});
