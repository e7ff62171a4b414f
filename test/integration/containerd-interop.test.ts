import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { testProvider, type TestProvider } from '../helpers/provider.js';
import { APP_USER, packNamedUserImage } from '../helpers/named-user-image.js';
import { ContainerRuntime } from '../../src/runtime/index.js';

/** What we make in containerd, other clients (ctr, nerdctl) must be able to read and use. */
describe('containerd interop: ctr reads and execs in our containers', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let work: string;
  const ns = 'itest-interop';

  before(async () => {
    ctd = await startContainerd('interop');
    work = await mkdtemp('/tmp/faasd-test-interop-work-');
  });
  after(async () => {
    await ctd?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ctr containers info decodes the spec, and ctr tasks exec runs in the task as its user', async () => {
    const image = (await packNamedUserImage(ctd.client.inNamespace(ns), 'faasd.test/interop:1')).name;
    const runtime = new ContainerRuntime(ctd.client, { logDir: join(work, 'logs'), stopGraceMs: 500 });
    await runtime.run({ namespace: ns, id: 'target', image, args: ['sleep', '600'] });
    try {
      const ctr = (...args: string[]) =>
        execa('ctr', ['--address', ctd.address, '-n', ns, ...args], { reject: false, timeout: 30_000 });
      const info = await ctr('containers', 'info', 'target');
      assert.equal(info.exitCode, 0, info.stderr);
      const parsed = JSON.parse(info.stdout) as {
        Spec: { process: { user: { uid: number; gid: number; additionalGids?: number[] } } };
      };
      assert.deepEqual(parsed.Spec.process.user, {
        uid: APP_USER.uid,
        gid: APP_USER.gid,
        additionalGids: [APP_USER.extraGroup.gid],
      });
      const exec = await ctr(
        'tasks',
        'exec',
        '--fifo-dir',
        join(work, 'fifo'),
        '--exec-id',
        'probe',
        'target',
        'id',
        '-u',
      );
      assert.equal(exec.exitCode, 0, exec.stderr);
      assert.equal(exec.stdout.trim(), String(APP_USER.uid));
    } finally {
      await runtime.remove(ns, 'target');
    }
  });
});

describe('namespace labels on containerd 1.6 (PUT /system/namespace/NAME)', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let p: TestProvider;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${p.url}${path}`, {
      method,
      headers: {
        Authorization: p.auth,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text };
  };

  before(async () => {
    ctd = await startContainerd('nslabels');
    p = await testProvider(ctd, 'nslabels');
    await p.start();
  });
  after(async () => {
    await p?.cleanup();
    await ctd?.stop();
  });

  it('replaces labels and annotations: new keys set, changed keys changed, missing keys removed', async () => {
    const created = await api('POST', '/system/namespace/team2', {
      labels: { team: 'a', old: 'x' },
      annotations: { note: 'first', gone: 'y' },
    });
    assert.equal(created.status, 201, created.text);
    const put = await api('PUT', '/system/namespace/team2', {
      labels: { team: 'b', added: 'z' },
      annotations: { note: 'second' },
    });
    assert.equal(put.status, 202, put.text);
    const got = await api('GET', '/system/namespace/team2');
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(JSON.parse(got.text), {
      name: 'team2',
      labels: { team: 'b', added: 'z', openfaas: '1' },
      annotations: { note: 'second' },
    });
    assert.equal((await api('DELETE', '/system/namespace/team2')).status, 202);
  });
});
