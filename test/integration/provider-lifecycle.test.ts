import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { testProvider, type TestProvider, providerApi } from '../helpers/provider.js';
import { packSlowFunction } from '../helpers/lifecycle-function.js';
import { pollUntil } from '../helpers/wait.js';
import { networkFromConfig } from '../../src/network/index.js';
import { FUNCTION_LABEL } from '../../src/provider/index.js';

const SLOW = 'faasd.test/slow:1';
const BROKEN = 'faasd.test/broken:1';

describe('function lifecycle: readiness, updates, one change at a time, secrets', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let p: TestProvider;
  let ns: string;
  let legacySecret: string;

  const api = (method: string, path: string, body?: unknown) => providerApi(p)(method, path, body);
  const describeFn = async (name: string) =>
    (await api('GET', `/system/function/${name}`)).json<{
      image: string;
      replicas: number;
      availableReplicas: number;
      envVars?: Record<string, string>;
    }>();
  const invoke = async (name: string) => {
    const res = await fetch(`${p.url}/function/${name}`);
    return { status: res.status, text: await res.text() };
  };
  const containersOf = async (name: string) =>
    (await ctd.client.inNamespace(ns).containers.list(`labels."${FUNCTION_LABEL}"`)).filter(
      (c) => c.labels[FUNCTION_LABEL] === name,
    );
  /** Invokes `name` back to back until stop() (at most `max` requests); the statuses it saw. */
  const invokeLoop = (name: string, max = 2000) => {
    let stopped = false;
    const statuses: number[] = [];
    const done = (async () => {
      while (!stopped && statuses.length < max) {
        statuses.push((await invoke(name).catch(() => ({ status: 0 }))).status);
        await delay(20); // pacing, not synchronisation: the load stays light on two cores
      }
    })();
    return {
      statuses,
      stop: async () => {
        stopped = true;
        await done;
        return statuses;
      },
    };
  };
  const fn = (service: string, over: Record<string, unknown> = {}) => ({
    service,
    image: SLOW,
    envVars: { VERSION: '1' },
    labels: { team: 'a' },
    ...over,
  });

  before(async () => {
    ctd = await startContainerd('lifecycle');
    p = await testProvider(ctd, 'lifecycle', { readyTimeoutMs: 15_000 });
    ns = p.config.functionNamespace;
    const c = ctd.client.inNamespace(ns);
    await packSlowFunction(c, SLOW);
    await packSlowFunction(c, BROKEN, { entrypoint: ['/bin/not-there'] });
    // A secret as an older version wrote it (0600): the provider makes it readable when it starts.
    const dir = join(p.config.providerDir, 'secrets', ns);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    legacySecret = join(dir, 'legacy');
    await writeFile(legacySecret, 'old-value', { mode: 0o600 });
    await chmod(legacySecret, 0o600);
    await p.start();
  });
  after(async () => {
    await p?.cleanup();
    await ctd?.stop();
  });

  it('waits for a slow starter instead of killing it: every request 200, one pid, available 0 then 1', async () => {
    assert.equal((await api('POST', '/system/functions', fn('slow'))).status, 202);
    assert.ok(await ctd.client.inNamespace(ns).containers.get('slow'), 'the first container is NAME');
    const pid = (await ctd.client.inNamespace(ns).tasks.get('slow'))?.pid;
    assert.ok(pid);
    const available: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        available.push((await describeFn('slow')).availableReplicas);
        await delay(100);
      }
    })();
    // 40 requests, one every 250 ms from t=0, none waiting for the one before.
    const requests: Promise<{ status: number; text: string }>[] = [];
    for (let i = 0; i < 40; i++) {
      requests.push(invoke('slow'));
      await delay(250);
    }
    const answers = await Promise.all(requests);
    sampling = false;
    await sampler;
    assert.deepEqual(
      answers.filter((a) => a.status !== 200),
      [],
    );
    assert.match(answers[0]?.text ?? '', /^uid=12000$/m);
    assert.equal((await ctd.client.inNamespace(ns).tasks.get('slow'))?.pid, pid, 'never restarted');
    assert.equal(available[0], 0, 'not available before it listens');
    assert.equal(available.at(-1), 1);
    assert.deepEqual(
      available.slice(available.indexOf(1)).filter((a) => a !== 1),
      [],
      'once ready, it stays',
    );
  });

  it('the function reads its secret as its non-root user; other host users cannot', async () => {
    assert.equal((await api('POST', '/system/secrets', { name: 'api-key', value: 's3cret' })).status, 201);
    const r = await api(
      'POST',
      '/system/functions',
      fn('reader', { secrets: ['api-key', 'legacy'], envVars: { START_DELAY: '0' } }),
    );
    assert.equal(r.status, 202, r.text);
    const out = await invoke('reader');
    assert.equal(out.status, 200, out.text);
    assert.match(out.text, /^uid=12000$/m);
    assert.match(out.text, /^secrets=api-key=s3cret;legacy=old-value;$/m);
    const file = join(p.config.providerDir, 'secrets', ns, 'api-key');
    assert.equal((await stat(file)).mode & 0o777, 0o644);
    assert.equal(
      (await stat(legacySecret)).mode & 0o777,
      0o644,
      'a 0600 secret of an older version is migrated',
    );
    assert.equal((await stat(join(p.config.providerDir, 'secrets', ns))).mode & 0o777, 0o700);
    const nobody = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'cat', file], {
      reject: false,
    });
    assert.notEqual(nobody.exitCode, 0, 'another host user cannot read the secret');
    assert.doesNotMatch(nobody.stdout, /s3cret/);
    assert.equal((await api('DELETE', '/system/functions', { functionName: 'reader' })).status, 202);
  });

  it('a failed update (start error, bad cpu, never ready) leaves the old version serving throughout', async () => {
    const loop = invokeLoop('slow');
    const broken = await api('PUT', '/system/functions', fn('slow', { image: BROKEN }));
    assert.equal(broken.status, 400, broken.text);
    assert.match(broken.text, /previous version keeps serving/);
    const cpu = await api('PUT', '/system/functions', fn('slow', { limits: { cpu: '1000000000' } }));
    assert.equal(cpu.status, 400, cpu.text);
    const never = await api(
      'PUT',
      '/system/functions',
      fn('slow', { envVars: { VERSION: '2', HEALTH: '503' } }),
    );
    assert.equal(never.status, 504, never.text);
    assert.match(never.text, /not ready within/);
    const statuses = await loop.stop();
    assert.ok(statuses.length > 10, `${statuses.length} invocations`);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
    );
    const d = await describeFn('slow');
    assert.equal(d.image, SLOW);
    assert.deepEqual(d.envVars, { VERSION: '1' });
    assert.deepEqual(
      (await containersOf('slow')).map((c) => c.id),
      ['slow'],
      'nothing of the attempts is left',
    );
  });

  it('an update under steady invocations: no non-2xx answer, and the new version serves after', async () => {
    const loops = [invokeLoop('slow'), invokeLoop('slow')];
    const r = await api('PUT', '/system/functions', fn('slow', { envVars: { VERSION: '2' } }));
    assert.equal(r.status, 202, r.text);
    await pollUntil('invocations after the switch', async () =>
      loops[0]!.statuses.length > 20 ? true : undefined,
    );
    const statuses = (await Promise.all(loops.map((l) => l.stop()))).flat();
    assert.deepEqual(
      statuses.filter((s) => s < 200 || s > 299),
      [],
    );
    assert.match((await invoke('slow')).text, /^version=2$/m);
    assert.deepEqual(
      (await containersOf('slow')).map((c) => c.id),
      ['slow.1'],
      'the new slot; the old one is gone',
    );
    assert.equal((await describeFn('slow')).availableReplicas, 1);
  });

  it('two parallel POSTs of one new name: one 2xx, one 409, one container and network; parallel PUTs: one wins', async () => {
    const net = networkFromConfig(p.config);
    const body = fn('twin', { envVars: { START_DELAY: '0' } });
    const posts = await Promise.all([
      api('POST', '/system/functions', body),
      api('POST', '/system/functions', body),
    ]);
    assert.deepEqual(posts.map((x) => x.status).sort(), [202, 409], posts.map((x) => x.text).join(' | '));
    assert.equal((await containersOf('twin')).length, 1);
    const records = (await net.records(ns)).filter((rec) => rec.id.startsWith('twin'));
    assert.equal(records.length, 1);
    const puts = await Promise.all([
      api('PUT', '/system/functions', fn('twin', { envVars: { START_DELAY: '0', VERSION: '2' } })),
      api('PUT', '/system/functions', fn('twin', { envVars: { START_DELAY: '0', VERSION: '3' } })),
    ]);
    assert.deepEqual(puts.map((x) => x.status).sort(), [202, 409], puts.map((x) => x.text).join(' | '));
    assert.equal((await containersOf('twin')).length, 1);
    const cniIds = (await net.records(ns))
      .filter((rec) => rec.id.startsWith('twin'))
      .map((rec) => rec.netns.split('/').pop() ?? '');
    assert.equal(cniIds.length, 1);
    assert.equal((await api('DELETE', '/system/functions', { functionName: 'twin' })).status, 202);
    assert.deepEqual(
      (await net.records(ns)).filter((rec) => rec.id.startsWith('twin')),
      [],
    );
    const rules = (await execa('iptables-save', ['-t', 'nat'])).stdout;
    for (const id of [...cniIds, ...records.map((rec) => rec.netns.split('/').pop() ?? '')])
      assert.ok(!rules.includes(`id: \\"${id}\\"`), `no nat rule left for ${id}`);
  });

  it('4 invoking loops and 3 updates in a row: every update 2xx, no 500, the function is there after', async () => {
    const loops = [0, 1, 2, 3].map(() => invokeLoop('slow'));
    for (const v of ['3', '4', '5']) {
      const r = await api(
        'PUT',
        '/system/functions',
        fn('slow', { envVars: { VERSION: v, START_DELAY: '1' } }),
      );
      assert.equal(r.status, 202, r.text);
    }
    const statuses = (await Promise.all(loops.map((l) => l.stop()))).flat();
    assert.deepEqual(
      statuses.filter((s) => s < 200 || s > 299),
      [],
    );
    assert.match((await invoke('slow')).text, /^version=5$/m);
    assert.equal((await containersOf('slow')).length, 1);
  });

  it('replicas must be a whole number from 0 to com.openfaas.scale.max (20 by default): else 400, nothing changed', async () => {
    for (const bad of ['1e308', '-1', '21', '1.5', '"2"']) {
      const r = await api('POST', '/system/scale-function/slow', `{"serviceName":"slow","replicas":${bad}}`);
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
      assert.match(r.text, /replicas/);
    }
    const d = await describeFn('slow');
    assert.deepEqual([d.replicas, d.availableReplicas], [1, 1]);
    assert.equal(
      (await api('POST', '/system/scale-function/slow', { serviceName: 'slow', replicas: 20 })).status,
      202,
    );
    assert.equal(
      (await api('POST', '/system/scale-function/slow', { serviceName: 'slow', replicas: 1 })).status,
      202,
    );
  });
});
