import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import type { Healthcheck } from '../../src/supervisor/compose-health.js';
import { DependencyFailedError } from '../../src/supervisor/start-errors.js';
import { FakeServiceHost } from '../helpers/service-fakes.js';
import { pollUntil } from '../helpers/wait.js';
import { serviceSpec as service } from '../helpers/service-spec.js';

const quickCheck: Healthcheck = {
  test: ['test', '-f', '/tmp/ready'],
  intervalMs: 5,
  timeoutMs: 1_000,
  retries: 3,
  startPeriodMs: 0,
  startIntervalMs: 5,
};

/** containerd and a runtime in memory (no exit event is ever delivered: the re-check finds exits). */
function fakes() {
  const host = new FakeServiceHost();
  const deps = host.deps({ restartDelayMs: 1, recheckIntervalMs: 5 });
  const exit = (id: string, exitStatus: number) =>
    host.ctd.setTask(id, { status: 'STOPPED', pid: 0, exitStatus });
  return { host, deps, exit };
}

describe('Supervisor restart policies (fake containerd)', () => {
  const cases = [
    { restart: 'always', exitStatus: 0, restarted: true },
    { restart: 'unless-stopped', exitStatus: 0, restarted: true },
    { restart: 'on-failure', exitStatus: 1, restarted: true },
    { restart: 'on-failure', exitStatus: 0, restarted: false },
    { restart: 'no', exitStatus: 1, restarted: false },
  ] as const;
  for (const c of cases) {
    it(`restart: ${c.restart}, exit status ${c.exitStatus}: ${c.restarted ? 'restarted' : 'left down'}`, async () => {
      const f = fakes();
      // A running service beside it: its restarts show the re-check keeps running.
      const sup = new Supervisor([service('job', { restart: c.restart }), service('idle')], f.deps);
      await sup.up();
      try {
        f.exit('job', c.exitStatus);
        if (c.restarted) {
          await pollUntil('job to run again', () =>
            Promise.resolve(f.host.starts('job') === 2 ? true : undefined),
          );
        } else {
          const lists = f.host.ctd.taskLists;
          await pollUntil('five re-checks after the exit', () =>
            Promise.resolve(f.host.ctd.taskLists >= lists + 5 ? true : undefined),
          );
          assert.equal(f.host.starts('job'), 1);
          assert.equal(f.host.ctd.taskMap.get('job')?.status, 'STOPPED');
        }
        f.exit('idle', 137);
        await pollUntil('idle to run again', () =>
          Promise.resolve(f.host.starts('idle') === 2 ? true : undefined),
        );
      } finally {
        await sup.down();
      }
    });
  }
});

describe('Supervisor depends_on conditions (fake containerd)', () => {
  it('service_healthy: the dependant starts only once a probe succeeds', async () => {
    const f = fakes();
    const sup = new Supervisor(
      [
        service('app', { conditions: { db: 'service_healthy' } }),
        service('db', { healthcheck: { ...quickCheck, startPeriodMs: 60_000 } }),
      ],
      f.deps,
    );
    const up = sup.up();
    try {
      await pollUntil('db probed', () =>
        Promise.resolve(f.host.calls.includes('probe db') ? true : undefined),
      );
      assert.equal(f.host.starts('app'), 0, 'not while db is unhealthy in its start period');
      f.host.probe.exitStatus = 0;
      await up;
      assert.deepEqual(f.host.calls.slice(-3), ['start db', 'probe db', 'start app']);
    } finally {
      await up.catch(() => undefined);
      await sup.down();
    }
  });

  it('a dependency that never gets healthy fails up, naming both, and starts nothing after it', async () => {
    const f = fakes();
    const sup = new Supervisor(
      [service('app', { conditions: { db: 'service_healthy' } }), service('db', { healthcheck: quickCheck })],
      f.deps,
    );
    try {
      await assert.rejects(sup.up(), (err: unknown) => {
        assert.ok(err instanceof DependencyFailedError, String(err));
        assert.deepEqual([err.service, err.dependency, err.condition], ['app', 'db', 'service_healthy']);
        assert.match(err.reason, /unhealthy after 3 failed health checks \(last: exit status 1\)/);
        return true;
      });
      assert.equal(f.host.starts('app'), 0);
    } finally {
      await sup.down();
    }
  });
});
