import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Liveness, type LivenessDeps } from '../../src/provider/liveness.js';
import { FUNCTION_LABEL, REPLICAS_LABEL } from '../../src/provider/deployment.js';
import { createLogger } from '../../src/log.js';

/** Functions as plain records in one namespace, and a runtime whose start takes a while and is counted. */
function fakes(fns: Record<string, { replicas: number; status?: string }>) {
  const starts: string[] = [];
  const c = {
    containers: {
      list: () =>
        Promise.resolve(
          Object.entries(fns).map(([id, f]) => ({
            id,
            labels: { [FUNCTION_LABEL]: 'true', [REPLICAS_LABEL]: String(f.replicas) },
          })),
        ),
      get: (id: string) =>
        Promise.resolve(
          fns[id]
            ? { id, labels: { [FUNCTION_LABEL]: 'true', [REPLICAS_LABEL]: String(fns[id].replicas) } }
            : undefined,
        ),
    },
    tasks: {
      list: () =>
        Promise.resolve(
          Object.entries(fns).flatMap(([id, f]) =>
            f.status ? [{ containerId: id, id, status: f.status, pid: 1 }] : [],
          ),
        ),
      get: (id: string) => {
        const f = fns[id];
        return Promise.resolve(f?.status ? { containerId: id, id, status: f.status, pid: 1 } : undefined);
      },
    },
  };
  const deps = {
    ctd: { inNamespace: () => c },
    namespaces: { list: () => Promise.resolve(['fn']) },
    runtime: {
      start: async (_ns: string, id: string) => {
        starts.push(id);
        await new Promise((r) => setImmediate(r));
        const f = fns[id];
        if (f) f.status = 'RUNNING';
      },
    },
    resolver: { invalidate: () => undefined },
    log: createLogger('test', new PassThrough()),
  } as unknown as LivenessDeps;
  return { live: new Liveness(deps), starts };
}

describe('Liveness (fake containerd)', () => {
  it('lists what should run and does not: not scaled to zero, not being changed', async () => {
    const { live } = fakes({
      ok: { replicas: 1, status: 'RUNNING' },
      died: { replicas: 1, status: 'STOPPED' },
      gone: { replicas: 1 },
      zero: { replicas: 0, status: 'STOPPED' },
      updating: { replicas: 1, status: 'STOPPED' },
    });
    let listed: string[] = [];
    await live.changing('fn', 'updating', async () => {
      listed = (await live.notRunning()).map((f) => f.name).sort();
    });
    assert.deepEqual(listed, ['died', 'gone']);
  });

  it('concurrent callers share one start', async () => {
    const { live, starts } = fakes({ died: { replicas: 1, status: 'STOPPED' } });
    await Promise.all([
      live.startOnce('fn', 'died'),
      live.startOnce('fn', 'died'),
      live.startOnce('fn', 'died'),
    ]);
    assert.deepEqual(starts, ['died']);
    await live.startOnce('fn', 'died'); // running now: nothing to do
    assert.deepEqual(starts, ['died']);
  });

  it('restarts a dead function once however many exits and sweeps report it', async () => {
    const { live, starts } = fakes({ died: { replicas: 1, status: 'STOPPED' } });
    await Promise.all([live.onTaskExit('fn', 'died'), live.onTaskExit('fn', 'died')]);
    assert.deepEqual(starts, ['died']);
  });

  it('leaves alone a function scaled to zero, or one an API call is changing', async () => {
    const { live, starts } = fakes({
      zero: { replicas: 0, status: 'STOPPED' },
      busy: { replicas: 1, status: 'STOPPED' },
    });
    await live.changing('fn', 'busy', () =>
      Promise.all([live.onTaskExit('fn', 'zero'), live.onTaskExit('fn', 'busy')]),
    );
    assert.deepEqual(starts, []);
  });
});
