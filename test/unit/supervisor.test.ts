import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Supervisor, type ServiceSpec, type SupervisorDeps } from '../../src/supervisor/index.js';
import { createLogger } from '../../src/log.js';
import { pollUntil } from '../helpers/wait.js';

function service(name: string, dependsOn: string[] = []): ServiceSpec {
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
    dependsOn,
  };
}

/**
 * A containerd whose event stream never delivers anything (as when an exit event is lost), and a
 * runtime that records what it was asked to do. Tasks are plain records the test can change.
 */
function fakes() {
  const tasks = new Map<string, { status: string; pid: number }>();
  const calls: string[] = [];
  /** Containers with a network record (create makes one, remove drops it). */
  const attached = new Set<string>();
  const failures = { starts: 0 };
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
      list: () => Promise.resolve([...tasks].map(([containerId, t]) => ({ containerId, ...t }))),
    },
  };
  const silentEvents = (_filters: string[], signal?: AbortSignal) =>
    (async function* () {
      if (!signal?.aborted) await new Promise((r) => signal?.addEventListener('abort', r, { once: true }));
      yield* [];
    })();
  const log = new PassThrough();
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
        if (failures.starts > 0) {
          failures.starts--;
          return Promise.reject(new Error('containerd is away'));
        }
        tasks.set(id, { status: 'RUNNING', pid: ++pid });
        return Promise.resolve({ pid });
      },
      remove: (_ns: string, id: string) => {
        calls.push(`remove ${id}`);
        tasks.delete(id);
        attached.delete(id);
        return Promise.resolve();
      },
    },
    network: {
      prepareFiles: () => Promise.resolve([]),
      reconcile: () => Promise.resolve([]),
      address: (_ns: string, id: string) => Promise.resolve(attached.has(id) ? '10.0.0.2' : undefined),
    },
    registry: {},
    log: createLogger('test', log),
    namespace: 'test',
    restartDelayMs: 10,
    recheckIntervalMs: 20,
  } as unknown as SupervisorDeps;
  return { tasks, calls, deps, failures, attached };
}

describe('Supervisor (fake containerd)', () => {
  it('clears leftovers, creates every service before starting any, in dependency order, removes in reverse', async () => {
    const f = fakes();
    const sup = new Supervisor([service('gateway', ['nats']), service('nats')], f.deps);
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
    const f = fakes();
    const sup = new Supervisor([service('nats')], f.deps);
    await sup.up();
    try {
      f.failures.starts = 2;
      f.tasks.set('nats', { status: 'STOPPED', pid: 101 });
      await pollUntil('nats to run again', () =>
        Promise.resolve(f.tasks.get('nats')?.status === 'RUNNING' ? true : undefined),
      );
      assert.equal(f.calls.filter((c) => c === 'start nats').length, 4); // up, 2 failures, success
    } finally {
      await sup.down();
    }
  });

  it('makes a service whose network record vanished again before restarting it', async () => {
    const f = fakes();
    const sup = new Supervisor([service('nats')], f.deps);
    await sup.up();
    try {
      f.calls.length = 0;
      f.attached.delete('nats');
      f.tasks.set('nats', { status: 'STOPPED', pid: 101 });
      await pollUntil('nats to run again', () =>
        Promise.resolve(f.tasks.get('nats')?.status === 'RUNNING' ? true : undefined),
      );
      assert.deepEqual(f.calls, ['remove nats', 'create nats', 'start nats']);
      assert.ok(f.attached.has('nats'));
    } finally {
      await sup.down();
    }
  });

  it('restarts a service whose exit no event reported, from the periodic re-check', async () => {
    const f = fakes();
    const sup = new Supervisor([service('nats')], f.deps);
    await sup.up();
    try {
      f.tasks.set('nats', { status: 'STOPPED', pid: 101 });
      const again = await pollUntil('nats to run again', () =>
        Promise.resolve(f.tasks.get('nats')?.status === 'RUNNING' ? f.tasks.get('nats') : undefined),
      );
      assert.notEqual(again.pid, 101);
    } finally {
      await sup.down();
    }
  });
});
