import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readlink, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { testProvider, type TestProvider, providerApi, replicasReady } from '../helpers/provider.js';
import { parentOf, runsAgain } from '../helpers/procfs.js';
import { packSlowFunction } from '../helpers/lifecycle-function.js';
import { pollUntil } from '../helpers/wait.js';
import { shimWrapperFile } from '../../src/config/index.js';
import { RUNC_RUNTIME } from '../../src/containerd/index.js';
import { SHIM_GROUP_LABEL } from '../../src/runtime/shim-groups.js';
import { SHIM_WRAPPER_SCRIPT } from '../../src/runtime/shim-wrapper.js';

const SLOW = 'faasd.test/slow-shimns:1';

const mountNs = (pid: number | 'self') => readlink(`/proc/${pid}/ns/mnt`);
/** Mount points in `pid`'s mount namespace. */
async function mountPoints(pid: number | 'self'): Promise<Set<string>> {
  const info = await readFile(`/proc/${pid}/mountinfo`, 'utf8');
  return new Set(info.split('\n').map((l) => l.split(' ')[4] ?? ''));
}
/** Processes whose command line holds `text` (the shims of one containerd hold its address). */
async function processesWith(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('containerd-shim-runc-v2') && cmd.split('\0').includes(text)) found.push(Number(pid));
  }
  return found;
}

/**
 * Issue #16 (task start flat in N): each runc shim runs in a mount namespace of its own, so the rootfs
 * overlays of its containers never reach the host's mount table; everything else works as before.
 */
describe('runc shims in mount namespaces of their own', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let p: TestProvider;
  let ns: string;

  const api = (method: string, path: string, body?: unknown) => providerApi(p)(method, path, body);
  const deploy = (service: string) =>
    api('POST', '/system/functions', { service, image: SLOW, envVars: { START_DELAY: '1' } });
  const ready = (name: string, replicas = 1) => replicasReady(p, name, replicas);
  const task = async (id: string) => ctd.client.inNamespace(ns).tasks.get(id);
  const pidOf = async (id: string) => (await task(id))?.pid ?? 0;
  const record = async (id: string) => ctd.client.inNamespace(ns).containers.get(id);
  const rootfs = (id: string) => join(ctd.dir, 'state', 'io.containerd.runtime.v2.task', ns, id, 'rootfs');
  /** Container snapshots (keyed by container id) of `ids` still present. */
  const snapshotsOf = async (ids: string[]) => {
    const left: string[] = [];
    for (const id of ids) if (await ctd.client.inNamespace(ns).snapshots.stat(id)) left.push(id);
    return left;
  };
  const cameBack = (id: string, oldPid: number) => runsAgain(task, id, oldPid);

  before(async () => {
    ctd = await startContainerd('shimns');
    p = await testProvider(ctd, 'shimns', { readyTimeoutMs: 30_000 });
    ns = p.config.functionNamespace;
    // Each deploy attaches a netns of its own just before its task: later members of a group then
    // join a netns made after their group's shim started (it must reach the shim's namespace).
    p.config.netnsPool = 0;
    await packSlowFunction(ctd.client.inNamespace(ns), SLOW);
  });
  after(async () => {
    await p?.cleanup();
    await ctd?.stop();
  });

  it('adopts a container made with io.containerd.runc.v2, and keeps new ones out of its shim', async () => {
    p.config.shimMountNamespace = false;
    await p.start();
    assert.equal((await deploy('legacy')).status, 202);
    await ready('legacy');
    assert.equal((await record('legacy'))?.runtime?.name, RUNC_RUNTIME);
    const legacyPid = await pidOf('legacy');
    await p.running?.stop();

    p.config.shimMountNamespace = true;
    await p.start();
    await ready('legacy');
    assert.equal(await pidOf('legacy'), legacyPid, 'adopted, not restarted');
    // Its shim runs in the host's mount namespace, as before the upgrade.
    assert.equal(await mountNs(await parentOf(legacyPid)), await mountNs('self'));
    assert.ok((await mountPoints('self')).has(rootfs('legacy')));
  });

  it('starts tasks whose rootfs is mounted only in their shim namespace', async () => {
    for (const name of ['alpha', 'beta']) {
      assert.equal((await deploy(name)).status, 202);
      await ready(name); // one at a time: beta's netns is made after alpha's shim started
    }
    const wrapper = shimWrapperFile(p.config);
    assert.equal(await readFile(wrapper, 'utf8'), SHIM_WRAPPER_SCRIPT);
    for (const id of ['alpha', 'beta']) assert.equal((await record(id))?.runtime?.name, wrapper, id);
    // A group of its own: legacy's group is served by a shim of the other runtime.
    const groups = await Promise.all(
      ['legacy', 'alpha', 'beta'].map(async (id) => (await record(id))?.labels[SHIM_GROUP_LABEL]),
    );
    assert.notEqual(groups[1], groups[0]);
    assert.equal(groups[2], groups[1]);

    const shim = await parentOf(await pidOf('alpha'));
    assert.equal(await parentOf(await pidOf('beta')), shim, 'one shim serves the group');
    assert.notEqual(await mountNs(shim), await mountNs('self'));
    const inShim = await mountPoints(shim);
    const onHost = await mountPoints('self');
    for (const id of ['alpha', 'beta']) {
      assert.ok(inShim.has(rootfs(id)), `${id}'s rootfs is mounted in its shim's namespace`);
      assert.ok(!onHost.has(rootfs(id)), `${id}'s rootfs is not in the host's mount table`);
    }
  });

  it('brings a killed group shim back in a new namespace; the other groups never notice', async () => {
    assert.equal((await deploy('duo')).status, 202);
    assert.equal(
      (await api('POST', '/system/scale-function/duo', { serviceName: 'duo', replicas: 2 })).status,
      202,
    );
    await ready('duo', 2);
    const shim = await parentOf(await pidOf('alpha'));
    const other = await parentOf(await pidOf('duo.1'));
    assert.notEqual(other, shim);
    const otherPid = await pidOf('duo.1');
    const before = await Promise.all(['alpha', 'beta'].map(pidOf));

    process.kill(shim, 'SIGKILL');
    const again = await Promise.all(['alpha', 'beta'].map((id, i) => cameBack(id, before[i] ?? 0)));
    for (const name of ['alpha', 'beta']) await ready(name);
    const newShim = await parentOf(again[0] ?? 0);
    assert.equal(await parentOf(again[1] ?? 0), newShim);
    assert.notEqual(newShim, shim);
    // Its own namespace again, not the host's (not compared with the old one's: the kernel may give a
    // new namespace the inode number of one just freed, as it did in a clean run).
    const newNs = await mountNs(newShim);
    assert.notEqual(newNs, await mountNs('self'));
    const inShim = await mountPoints(newShim);
    for (const id of ['alpha', 'beta'])
      assert.ok(inShim.has(rootfs(id)), `${id}'s rootfs in the new shim's namespace`);
    assert.equal(await pidOf('duo.1'), otherPid, 'the other group never noticed');
    const onHost = await mountPoints('self');
    for (const id of ['alpha', 'beta', 'duo', 'duo.1']) assert.ok(!onHost.has(rootfs(id)), id);
  });

  it('deletes leave no mount, snapshot or shim', async () => {
    for (const name of ['legacy', 'alpha', 'beta', 'duo']) {
      assert.equal((await api('DELETE', '/system/functions', { functionName: name })).status, 202);
    }
    await pollUntil('every container to be removed', async () =>
      (await ctd.client.inNamespace(ns).containers.list()).length === 0 ? true : undefined,
    );
    await pollUntil('every shim to exit', async () =>
      (await processesWith(ctd.address)).length === 0 ? true : undefined,
    );
    const onHost = [...(await mountPoints('self'))].filter((m) => m.startsWith(ctd.dir));
    assert.deepEqual(onHost, []);
    assert.deepEqual(await snapshotsOf(['legacy', 'alpha', 'beta', 'duo', 'duo.1']), []);
  });
});
