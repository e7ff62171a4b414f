import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import {
  Supervisor,
  type Healthcheck,
  type ServiceSpec,
  type SupervisorDeps,
} from '../../src/supervisor/index.js';
import type { ProbeRunner } from '../../src/supervisor/exec-probe.js';
import { DependencyFailedError } from '../../src/supervisor/start-errors.js';
import { createLogger } from '../../src/log.js';
import { pollUntil } from '../helpers/wait.js';

function service(name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name,
    image: `faasd.test/${name}:1`,
    environment: [],
    mounts: [],
    user: undefined,
    command: undefined,
    entrypoint: undefined,
    capAdd: [],
    ports: [],
    dependsOn: Object.keys(extra.conditions ?? {}),
    ...extra,
  };
}

const quickCheck: Healthcheck = {
  test: ['test', '-f', '/tmp/ready'],
  intervalMs: 5,
  timeoutMs: 1_000,
  retries: 3,
  startPeriodMs: 0,
  startIntervalMs: 5,
};

/** A health check runner whose answer the test sets; it records each probe in the shared call list. */
class FakeProbe implements ProbeRunner {
  exitStatus = 1;
  constructor(private readonly calls: string[]) {}
  run(id: string): Promise<number> {
    if (this.calls.at(-1) !== `probe ${id}`) this.calls.push(`probe ${id}`);
    return Promise.resolve(this.exitStatus);
  }
}

/** containerd and a runtime as plain records (no exit event is ever delivered: the re-check finds exits). */
function fakes() {
  const tasks = new Map<string, { status: string; pid: number; exitStatus: number }>();
  const calls: string[] = [];
  /** Containers with a network record (create makes one, remove drops it). */
  const attached = new Set<string>();
  const counts = { lists: 0 };
  let pid = 100;
  const c = {
    namespaces: { ensure: () => Promise.resolve() },
    containers: { list: () => Promise.resolve([]), get: (id: string) => Promise.resolve({ id }) },
    images: { get: () => Promise.resolve({}) },
    tasks: {
      get: (id: string) => {
        const t = tasks.get(id);
        return Promise.resolve(t ? { containerId: id, ...t } : undefined);
      },
      list: () => {
        counts.lists++;
        return Promise.resolve([...tasks].map(([containerId, t]) => ({ containerId, ...t })));
      },
    },
  };
  const silentEvents = (_filters: string[], signal?: AbortSignal) =>
    (async function* () {
      if (!signal?.aborted) await new Promise((r) => signal?.addEventListener('abort', r, { once: true }));
      yield* [];
    })();
  const probe = new FakeProbe(calls);
  const deps = {
    ctd: { inNamespace: () => c, events: { subscribe: silentEvents } },
    runtime: {
      create: (s: { id: string }) => (
        calls.push(`create ${s.id}`),
        attached.add(s.id),
        Promise.resolve({ ip: '10.0.0.2' })
      ),
      start: (_ns: string, id: string) => {
        calls.push(`start ${id}`);
        tasks.set(id, { status: 'RUNNING', pid: ++pid, exitStatus: 0 });
        return Promise.resolve({ pid });
      },
      remove: (_ns: string, id: string) => (tasks.delete(id), attached.delete(id), Promise.resolve()),
    },
    network: {
      prepareFiles: () => Promise.resolve([]),
      reconcile: () => Promise.resolve([]),
      address: (_ns: string, id: string) => Promise.resolve(attached.has(id) ? '10.0.0.2' : undefined),
    },
    registry: {},
    log: createLogger('test', new PassThrough()),
    namespace: 'test',
    restartDelayMs: 1,
    recheckIntervalMs: 5,
    probe,
  } as unknown as SupervisorDeps;
  const exit = (id: string, exitStatus: number) => tasks.set(id, { status: 'STOPPED', pid: 0, exitStatus });
  const starts = (id: string) => calls.filter((x) => x === `start ${id}`).length;
  return { tasks, calls, counts, deps, probe, exit, starts };
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
            Promise.resolve(f.starts('job') === 2 ? true : undefined),
          );
        } else {
          const lists = f.counts.lists;
          await pollUntil('five re-checks after the exit', () =>
            Promise.resolve(f.counts.lists >= lists + 5 ? true : undefined),
          );
          assert.equal(f.starts('job'), 1);
          assert.equal(f.tasks.get('job')?.status, 'STOPPED');
        }
        f.exit('idle', 137);
        await pollUntil('idle to run again', () =>
          Promise.resolve(f.starts('idle') === 2 ? true : undefined),
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
      await pollUntil('db probed', () => Promise.resolve(f.calls.includes('probe db') ? true : undefined));
      assert.equal(f.starts('app'), 0, 'not while db is unhealthy in its start period');
      f.probe.exitStatus = 0;
      await up;
      assert.deepEqual(f.calls.slice(-3), ['start db', 'probe db', 'start app']);
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
      assert.equal(f.starts('app'), 0);
    } finally {
      await sup.down();
    }
  });
});
