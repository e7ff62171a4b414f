import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { testProvider, type TestProvider, providerApi } from '../helpers/provider.js';
import { packReplicaFunction } from '../helpers/replica-function.js';
import { HeldFunction } from '../helpers/held-function.js';
import { pollUntil } from '../helpers/wait.js';
import { networkFromConfig } from '../../src/network/index.js';
import { FUNCTION_LABEL } from '../../src/provider/index.js';

const IMAGE = 'faasd.test/replica:1';
const S = 'com.openfaas.scale.';

describe('replicas: balancing, restarts, updates, idle zero, autoscaling', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let p: TestProvider;
  let ns: string;
  const held = new HeldFunction();
  let holdUrl = '';

  const api = (method: string, path: string, body?: unknown) => providerApi(p)(method, path, body);
  type Status = { replicas: number; availableReplicas: number; annotations?: Record<string, string> };
  const describeFn = async (name: string) => (await api('GET', `/system/function/${name}`)).json<Status>();
  const invoke = async (name: string) => {
    const res = await fetch(`${p.url}/function/${name}`);
    return { status: res.status, text: await res.text() };
  };
  const ipOf = (text: string) => /^ip=(\S+)$/m.exec(text)?.[1];
  const containersOf = async (name: string) =>
    (await ctd.client.inNamespace(ns).containers.list(`labels."${FUNCTION_LABEL}"`)).filter(
      (c) => c.labels[FUNCTION_LABEL] === name,
    );
  const fn = (
    service: string,
    labels: Record<string, string> = {},
    envVars: Record<string, string> = {},
  ) => ({
    service,
    image: IMAGE,
    labels,
    envVars,
  });
  const available = (name: string, n: number, timeoutMs = 60_000) =>
    pollUntil(
      `${name} has ${n} ready replicas`,
      async () => {
        const d = await describeFn(name);
        return d.availableReplicas === n && d.replicas === n ? d : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  /** Invokes `name` at about 20 req/s (pacing, not synchronisation) until stop(); bounded in count. */
  const steadyLoop = (name: string, max = 3000) => {
    let stopped = false;
    const answers: { status: number; text: string }[] = [];
    const done = (async () => {
      while (!stopped && answers.length < max) {
        answers.push(await invoke(name).catch((e: unknown) => ({ status: 0, text: String(e) })));
        await delay(50);
      }
    })();
    return {
      answers,
      stop: async () => {
        stopped = true;
        await done;
        return answers;
      },
    };
  };

  before(async () => {
    ctd = await startContainerd('replicas');
    p = await testProvider(ctd, 'replicas', { readyTimeoutMs: 15_000 });
    p.config.autoscaleIntervalMs = 300; // scale down after 12 intervals: 3.6 s
    ns = p.config.functionNamespace;
    await packReplicaFunction(ctd.client.inNamespace(ns), IMAGE);
    // Held requests wait on the test bridge's gateway address, which the functions reach.
    const gw = networkFromConfig(p.config).gateway;
    await p.start();
    holdUrl = `http://${gw}:${await held.listen(gw)}/hold`;
  });
  after(async () => {
    await held.close();
    await p?.cleanup();
    await ctd?.stop();
  });

  it('3 replicas get 3 containers and 3 IPs, and all three serve', async () => {
    assert.equal((await api('POST', '/system/functions', fn('trio'))).status, 202);
    assert.equal((await api('POST', '/system/scale-function/trio', { replicas: 3 })).status, 202);
    await available('trio', 3);
    const ids = (await containersOf('trio')).map((c) => c.id).sort();
    assert.deepEqual(ids, ['trio', 'trio.1', 'trio.2']);
    const store = networkFromConfig(p.config).store;
    const ips = await Promise.all(ids.map(async (id) => (await store.find(ns, id))?.ip));
    assert.equal(new Set(ips).size, 3, `three addresses: ${ips.join(' ')}`);
    const seen = new Set<string>();
    for (let i = 0; i < 30 && seen.size < 3; i++) {
      const r = await invoke('trio');
      assert.equal(r.status, 200, r.text);
      seen.add(ipOf(r.text) ?? '?');
    }
    assert.deepEqual([...seen].sort(), [...ips].sort(), 'every replica answered with its own address');
  });

  it('killing one replica loses no request of a steady loop, and it comes back', async () => {
    const victim = 'trio.1';
    const before = await ctd.client.inNamespace(ns).tasks.get(victim);
    assert.ok(before?.pid);
    const loop = steadyLoop('trio');
    await pollUntil('the loop ran a while', async () => (loop.answers.length >= 20 ? true : undefined));
    await ctd.client.inNamespace(ns).tasks.kill(victim, 9, true);
    await pollUntil(
      'the killed replica runs again',
      async () => {
        const t = await ctd.client.inNamespace(ns).tasks.get(victim);
        return t?.status === 'RUNNING' && t.pid !== before.pid ? t : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await available('trio', 3);
    const answers = await loop.stop();
    assert.ok(answers.length > 20);
    assert.deepEqual(
      answers.filter((a) => a.status !== 200),
      [],
      'every request was answered (retried on another replica)',
    );
  });

  it('an update that never gets ready leaves the old version serving on both replicas', async () => {
    assert.equal((await api('POST', '/system/scale-function/trio', { replicas: 2 })).status, 202);
    await available('trio', 2);
    assert.deepEqual((await containersOf('trio')).map((c) => c.id).sort(), ['trio', 'trio.1']);
    const loop = steadyLoop('trio');
    const r = await api('PUT', '/system/functions', fn('trio', {}, { HEALTH: '503', VERSION: '2' }));
    const answers = await loop.stop();
    assert.equal(r.status, 504, r.text);
    assert.match(r.text, /previous version keeps serving/);
    assert.deepEqual(
      answers.filter((a) => a.status !== 200 || !/^version=1$/m.test(a.text)),
      [],
      'the old version answered every request',
    );
    const d = await describeFn('trio');
    assert.equal(d.availableReplicas, 2);
    assert.match(d.annotations?.['io.faasd.update-error'] ?? '', /not ready within/);
    assert.deepEqual((await containersOf('trio')).map((c) => c.id).sort(), ['trio', 'trio.1']);
  });

  it('an update with 2 replicas starts 2 new ones and moves traffic to them', async () => {
    const r = await api('PUT', '/system/functions', fn('trio', {}, { VERSION: '3' }));
    assert.equal(r.status, 202, r.text);
    const d = await available('trio', 2);
    assert.equal(d.annotations?.['io.faasd.update-error'], undefined, 'the failure note is gone');
    assert.equal((await containersOf('trio')).length, 2);
    assert.match((await invoke('trio')).text, /^version=3$/m);
  });

  it('a bad scale label is a 400 naming it, and nothing is deployed', async () => {
    const r = await api('POST', '/system/functions', fn('badlabel', { [`${S}zero-duration`]: '2 days' }));
    assert.equal(r.status, 400);
    assert.match(r.text, /com\.openfaas\.scale\.zero-duration/);
    assert.deepEqual(await containersOf('badlabel'), []);
  });

  it('com.openfaas.scale.zero with a 2s zero-duration goes to 0 when idle and back on the next request', async () => {
    const labels = { [`${S}zero`]: 'true', [`${S}zero-duration`]: '2s' };
    assert.equal((await api('POST', '/system/functions', fn('idle', labels))).status, 202);
    assert.equal((await invoke('idle')).status, 200);
    await pollUntil(
      'idle is scaled to zero',
      async () => {
        const d = await describeFn('idle');
        const task = await ctd.client.inNamespace(ns).tasks.get('idle');
        return d.replicas === 0 && d.availableReplicas === 0 && task?.status !== 'RUNNING' ? d : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    assert.equal((await containersOf('idle')).length, 1, 'the stopped container stays for a fast start');
    const r = await invoke('idle');
    assert.equal(r.status, 200, r.text);
    assert.equal((await describeFn('idle')).replicas, 1);
  });

  it('the autoscaler moves a capacity-scaled function from 1 to 3 replicas under load and back', async () => {
    const labels = {
      [`${S}type`]: 'capacity',
      [`${S}target`]: '1',
      [`${S}target-proportion`]: '1',
      [`${S}min`]: '1',
      [`${S}max`]: '3',
    };
    assert.equal(
      (await api('POST', '/system/functions', fn('busy', labels, { HOLD_URL: holdUrl }))).status,
      202,
    );
    await available('busy', 1);
    const before = held.received;
    const calls = [0, 1, 2].map(() => invoke('busy'));
    await pollUntil('3 requests are held', async () => (held.held >= 3 ? true : undefined), {
      timeoutMs: 30_000,
    });
    assert.equal(held.received - before, 3);
    await available('busy', 3);
    const metrics = await (await fetch(`${p.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`^gateway_service_count\\{function_name="busy.${ns}"\\} 3$`, 'm'));
    assert.match(
      metrics,
      new RegExp(
        `^faasd_autoscaler_decisions_total\\{function_name="busy.${ns}",direction="up"\\} \\d+$`,
        'm',
      ),
    );
    held.release();
    for (const r of await Promise.all(calls)) assert.equal(r.status, 200, r.text);
    await available('busy', 1);
    await pollUntil('the drained replicas are removed', async () =>
      (await containersOf('busy')).length === 1 ? true : undefined,
    );
  });
});
