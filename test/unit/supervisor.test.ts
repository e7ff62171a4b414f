import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import type { ServiceSpec } from '../../src/supervisor/compose.js';
import { FakeServiceHost } from '../helpers/service-fakes.js';
import { pollUntil } from '../helpers/wait.js';
import { serviceSpec } from '../helpers/service-spec.js';

const service = (name: string, dependsOn: string[] = []): ServiceSpec => serviceSpec(name, { dependsOn });

/**
 * A containerd whose event stream never delivers anything (as when an exit event is lost), so only the
 * re-check finds exits, and a runtime that records what it was asked to do (service-fakes.ts).
 */
const TIMING = { restartDelayMs: 10, recheckIntervalMs: 20 };

describe('Supervisor (fake containerd)', () => {
  it('clears leftovers, creates every service before starting any, in dependency order, removes in reverse', async () => {
    const f = new FakeServiceHost();
    const sup = new Supervisor([service('gateway', ['nats']), service('nats')], f.deps(TIMING));
    await sup.up();
    await sup.down();
    assert.deepEqual(f.calls, [
      // Leftovers of an earlier run first (none here; removing what is gone is a no-op).
      'remove nats',
      'remove gateway',
      'create nats',
      'create gateway',
      'start nats',
      'start gateway',
      'remove gateway',
      'remove nats',
    ]);
  });

  it('retries a restart that failed, until the service runs', async () => {
    const f = new FakeServiceHost();
    const sup = new Supervisor([service('nats')], f.deps(TIMING));
    await sup.up();
    try {
      f.runtime.failStarts = 2;
      f.ctd.setTask('nats', { status: 'STOPPED', pid: 101 });
      await pollUntil('nats to run again', () =>
        Promise.resolve(f.ctd.taskMap.get('nats')?.status === 'RUNNING' ? true : undefined),
      );
      assert.equal(f.calls.filter((c) => c === 'start nats').length, 4); // up, 2 failures, success
    } finally {
      await sup.down();
    }
  });

  it('makes a service whose network record vanished again before restarting it', async () => {
    const f = new FakeServiceHost();
    const sup = new Supervisor([service('nats')], f.deps(TIMING));
    await sup.up();
    try {
      f.calls.length = 0;
      f.network.attached.delete('nats');
      f.ctd.setTask('nats', { status: 'STOPPED', pid: 101 });
      await pollUntil('nats to run again', () =>
        Promise.resolve(f.ctd.taskMap.get('nats')?.status === 'RUNNING' ? true : undefined),
      );
      assert.deepEqual(f.calls, ['remove nats', 'create nats', 'start nats']);
      assert.ok(f.network.attached.has('nats'));
    } finally {
      await sup.down();
    }
  });

  it('restarts a service whose exit no event reported, from the periodic re-check', async () => {
    const f = new FakeServiceHost();
    const sup = new Supervisor([service('nats')], f.deps(TIMING));
    await sup.up();
    try {
      f.ctd.setTask('nats', { status: 'STOPPED', pid: 101 });
      const again = await pollUntil('nats to run again', () =>
        Promise.resolve(
          f.ctd.taskMap.get('nats')?.status === 'RUNNING' ? f.ctd.taskMap.get('nats') : undefined,
        ),
      );
      assert.notEqual(again.pid, 101);
    } finally {
      await sup.down();
    }
  });
});
