import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { testProvider, type TestProvider } from '../helpers/provider.js';
import { packReplicaFunction } from '../helpers/replica-function.js';
import { pollUntil } from '../helpers/wait.js';
import { FUNCTION_LABEL } from '../../src/provider/index.js';

const IMAGE = 'faasd.test/replica:1';

/**
 * A provider restarted with functions running (issue #12, #16): it adopts them. A replica that answers
 * its probe is served again without being re-created or restarted; one that runs but is not ready
 * (its /_/health answers 503) gets no request; the list reads as before the restart.
 */
describe('provider restart adopts running replicas', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let p: TestProvider;
  let ns: string;

  const api = async (path: string) => {
    const res = await fetch(`${p.url}${path}`, { headers: { Authorization: p.auth } });
    return { status: res.status, text: await res.text() };
  };
  const deploy = async (service: string, envVars: Record<string, string>) => {
    const res = await fetch(`${p.url}/system/functions`, {
      method: 'POST',
      headers: { Authorization: p.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ service, image: IMAGE, envVars, labels: { team: 'density' } }),
    });
    assert.equal(res.status, 202, await res.text());
  };
  /** Container IDs, creation times and task pids: what a re-create or a restart would change. */
  const identity = async () => {
    const c = ctd.client.inNamespace(ns);
    const tasks = new Map((await c.tasks.list()).map((t) => [t.containerId, `${t.pid} ${t.status}`]));
    return (await c.containers.list(`labels."${FUNCTION_LABEL}"`))
      .map((r) => `${r.id} ${JSON.stringify(r.createdAt)} ${tasks.get(r.id)}`)
      .sort();
  };
  /** The list without what moves by itself (memory usage, invocation counts). */
  const listed = async () => {
    const r = await api('/system/functions');
    assert.equal(r.status, 200, r.text);
    const fns = JSON.parse(r.text) as Record<string, unknown>[];
    return fns
      .map(({ usage: _u, invocationCount: _i, ...rest }) => JSON.stringify(rest, Object.keys(rest).sort()))
      .sort();
  };
  const availableOf = async (name: string) =>
    (JSON.parse((await api(`/system/function/${name}`)).text) as { availableReplicas: number })
      .availableReplicas;

  before(async () => {
    ctd = await startContainerd('restart-adopt');
    // An invocation of a replica that is not ready waits this long, then 504.
    p = await testProvider(ctd, 'restart-adopt', { readyTimeoutMs: 3000 });
    ns = p.config.functionNamespace;
    await packReplicaFunction(ctd.client.inNamespace(ns), IMAGE);
    await p.start();
  });
  after(async () => {
    await p?.cleanup();
    await ctd?.stop();
  });

  it('serves the ready replica without re-creating it and sends nothing to the one that is not ready', async () => {
    // A slow starter (2 s) as a real template is; "sick" runs but its /_/health answers 503.
    await deploy('steady', { START_DELAY: '2' });
    await deploy('sick', { START_DELAY: '0', HEALTH: '503' });
    await pollUntil(
      'steady to answer',
      async () => ((await availableOf('steady')) === 1 ? true : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 100,
      },
    );
    const before = await identity();
    const listBefore = await listed();
    assert.equal(before.length, 2, before.join('\n'));
    assert.ok(
      before.every((l) => l.endsWith(' RUNNING')),
      before.join('\n'),
    );

    await p.running?.stop();
    await p.start();

    const first = await fetch(`${p.url}/function/steady`);
    assert.equal(first.status, 200, await first.text());
    // The sick replica's own answer would be a 200 with its address: any other status means no request
    // reached it (the provider waited for it to be ready, then gave up).
    const sick = await fetch(`${p.url}/function/sick`);
    const sickText = await sick.text();
    assert.notEqual(sick.status, 200, sickText);
    assert.doesNotMatch(sickText, /^ip=/m);
    assert.equal(await availableOf('sick'), 0);

    assert.deepEqual(await identity(), before, 'no container re-created, no task restarted');
    assert.deepEqual(await listed(), listBefore);
  });
});
