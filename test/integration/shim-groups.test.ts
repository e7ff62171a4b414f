import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { testProvider, type TestProvider, providerApi, replicasReady } from '../helpers/provider.js';
import { parentOf, runsAgain } from '../helpers/procfs.js';
import { packSlowFunction } from '../helpers/lifecycle-function.js';
import { pollUntil } from '../helpers/wait.js';
import { SHIM_GROUP_LABEL } from '../../src/runtime/shim-groups.js';

const SLOW = 'faasd.test/slow-grouped:1';

/** Issue #16's acceptance: functions that share runc shims survive a delete, a crash and a shim's death. */
describe('functions grouped into shared runc shims', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let p: TestProvider;
  let ns: string;

  const api = (method: string, path: string, body?: unknown) => providerApi(p)(method, path, body);
  const invoke = async (name: string) => (await fetch(`${p.url}/function/${name}`)).status;
  /** Invokes each of `names` in turn until stop() (at most `max` rounds); the statuses it saw. */
  const invokeLoop = (names: string[], max = 1000) => {
    let stopped = false;
    const statuses: { name: string; status: number }[] = [];
    const done = (async () => {
      for (let round = 0; !stopped && round < max; round++) {
        for (const name of names) statuses.push({ name, status: await invoke(name).catch(() => 0) });
        await delay(20); // pacing, not synchronisation: the load stays light on two cores
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        await done;
        return statuses;
      },
    };
  };
  const task = async (id: string) => ctd.client.inNamespace(ns).tasks.get(id);
  const groupOf = async (id: string) =>
    (await ctd.client.inNamespace(ns).containers.get(id))?.labels[SHIM_GROUP_LABEL];
  const ready = (name: string, replicas = 1) => replicasReady(p, name, replicas);
  const cameBack = (id: string, oldPid: number) => runsAgain(task, id, oldPid);

  before(async () => {
    ctd = await startContainerd('shimgroups');
    p = await testProvider(ctd, 'shimgroups', { readyTimeoutMs: 30_000 });
    ns = p.config.functionNamespace;
    await packSlowFunction(ctd.client.inNamespace(ns), SLOW);
    await p.start();
  });
  after(async () => {
    await p?.cleanup();
    await ctd?.stop();
  });

  it('share shims, and keep answering through a delete, a crash and a killed shim', async () => {
    // A slow starter under a named user (USER app), as OpenFaaS template images are.
    const deploy = (service: string) =>
      api('POST', '/system/functions', { service, image: SLOW, envVars: { START_DELAY: '2' } });
    for (const name of ['alpha', 'beta', 'gone', 'duo']) assert.equal((await deploy(name)).status, 202);
    assert.equal(
      (await api('POST', '/system/scale-function/duo', { serviceName: 'duo', replicas: 2 })).status,
      202,
    );
    for (const name of ['alpha', 'beta', 'gone']) await ready(name);
    await ready('duo', 2);

    // Filled lowest group first; the second replica of duo goes to another shim than the first.
    assert.deepEqual(await Promise.all(['alpha', 'beta', 'gone', 'duo', 'duo.1'].map(groupOf)), [
      'faasd-0',
      'faasd-0',
      'faasd-0',
      'faasd-0',
      'faasd-1',
    ]);
    const pidOf = async (id: string) => (await task(id))?.pid ?? 0;
    const shim0 = await parentOf(await pidOf('alpha'));
    for (const id of ['beta', 'gone', 'duo']) assert.equal(await parentOf(await pidOf(id)), shim0, id);
    const shim1 = await parentOf(await pidOf('duo.1'));
    assert.notEqual(shim1, shim0);

    // Deleting one member leaves the shim and the others serving.
    let loop = invokeLoop(['alpha', 'beta']);
    assert.equal((await api('DELETE', '/system/functions', { functionName: 'gone' })).status, 202);
    await pollUntil('gone to be removed', async () => ((await task('gone')) ? undefined : true));
    let seen = await loop.stop();
    assert.ok(seen.length > 0);
    assert.deepEqual(
      seen.filter((s) => s.status !== 200),
      [],
    );
    assert.equal(await parentOf(await pidOf('alpha')), shim0);

    // One member crashes (its process killed): it comes back in the same shim; the others never notice.
    loop = invokeLoop(['beta', 'duo']);
    const alphaPid = await pidOf('alpha');
    process.kill(alphaPid, 'SIGKILL');
    const alphaAgain = await cameBack('alpha', alphaPid);
    await ready('alpha');
    seen = await loop.stop();
    assert.deepEqual(
      seen.filter((s) => s.status !== 200),
      [],
    );
    assert.equal(await parentOf(alphaAgain), shim0);

    // The shim of group faasd-1 is killed: its member comes back under a new shim; functions served by
    // the other shim see no failed request.
    loop = invokeLoop(['alpha', 'beta']);
    const duo1Pid = await pidOf('duo.1');
    process.kill(shim1, 'SIGKILL');
    const duo1Again = await cameBack('duo.1', duo1Pid);
    await ready('duo', 2);
    seen = await loop.stop();
    assert.ok(seen.length > 0);
    assert.deepEqual(
      seen.filter((s) => s.status !== 200),
      [],
    );
    const newShim1 = await parentOf(duo1Again);
    assert.notEqual(newShim1, shim1);
    assert.notEqual(newShim1, shim0);
    assert.equal(await parentOf(await pidOf('alpha')), shim0);

    // The shim of group faasd-0 is killed: its whole group comes back; duo.1's shim never noticed.
    const before0 = await Promise.all(['alpha', 'beta', 'duo'].map(pidOf));
    process.kill(shim0, 'SIGKILL');
    const again = await Promise.all(['alpha', 'beta', 'duo'].map((id, i) => cameBack(id, before0[i] ?? 0)));
    for (const name of ['alpha', 'beta']) await ready(name);
    await ready('duo', 2);
    const shims = new Set(await Promise.all(again.map(parentOf)));
    assert.equal(shims.size, 1, 'the group came back in one new shim');
    assert.ok(!shims.has(shim0));
    assert.equal(await pidOf('duo.1'), duo1Again);
  });
});
