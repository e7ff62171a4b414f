import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { testProvider, type TestProvider, providerApi } from '../helpers/provider.js';
import { packReplicaFunction } from '../helpers/replica-function.js';
import { HeldFunction } from '../helpers/held-function.js';
import { pollUntil } from '../helpers/wait.js';
import {
  formatNetTable,
  networkFromConfig,
  poolNamespace,
  type CniNetwork,
} from '../../src/network/index.js';
import { netnsExists, netnsName } from '../../src/network/netns.js';
import { cniIpamDataDir } from '../../src/config/paths.js';
import { specOf } from '../../src/containerd/index.js';

const IMAGE = 'faasd.test/replica:1';

/**
 * The provider with its pool of attached netns (issue #16): a function deployed while the pool is
 * full takes an entry, answers, reaches the bridge gateway, and leaves nothing when deleted; a
 * restarted provider adopts that function's running container and removes the untaken entries of
 * the process before; with pool 0 a function attaches under its own name, as before the pool.
 */
describe('provider: pooled network namespaces', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let p: TestProvider;
  let ns: string;
  let pool: string;
  let network: CniNetwork;
  const gatewayHits = new HeldFunction();
  let hitUrl = '';

  const api = (method: string, path: string, body?: unknown) => providerApi(p)(method, path, body);
  const deploy = async (service: string) => {
    const r = await api('POST', '/system/functions', {
      service,
      image: IMAGE,
      envVars: { START_DELAY: '1', HOLD_URL: hitUrl },
    });
    assert.equal(r.status, 202, r.text);
    await pollUntil(
      `${service} to be available`,
      async () => {
        const d = JSON.parse((await api('GET', `/system/function/${service}`)).text) as {
          availableReplicas: number;
        };
        return d.availableReplicas === 1 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  };
  const poolFull = (n: number) =>
    pollUntil(
      `the pool to hold ${n} attached`,
      async () => {
        const rs = (await network.records(pool)).filter((r) => r.state === 'attached');
        return rs.length === n ? rs : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  const hostLocalIps = async () =>
    (await readdir(join(cniIpamDataDir(p.config), 'openfaas-cni-bridge')).catch(() => [])).filter((f) =>
      /^\d+\.\d+\.\d+\.\d+$/.test(f),
    );
  const netnsOfSpec = async (id: string) => {
    const c = await ctd.client.inNamespace(ns).containers.get(id);
    assert.ok(c, `container ${id}`);
    const spec = specOf(c) as { linux: { namespaces: { type: string; path?: string }[] } };
    return spec.linux.namespaces.find((n) => n.type === 'network')?.path;
  };
  const identity = async (id: string) => {
    const c = await ctd.client.inNamespace(ns).containers.get(id);
    const t = await ctd.client.inNamespace(ns).tasks.get(id);
    return `${JSON.stringify(c?.createdAt)} ${t?.pid} ${t?.status}`;
  };

  before(async () => {
    ctd = await startContainerd('netns-pool');
    p = await testProvider(ctd, 'netns-pool', { readyTimeoutMs: 15_000 });
    ns = p.config.functionNamespace;
    pool = poolNamespace(ns);
    network = networkFromConfig(p.config);
    assert.equal(p.config.netnsPool, 2, 'the default pool');
    await packReplicaFunction(ctd.client.inNamespace(ns), IMAGE);
    await p.start();
    // The functions GET this before they answer: it is on the bridge's gateway address.
    gatewayHits.release();
    hitUrl = `http://${network.gateway}:${await gatewayHits.listen(network.gateway)}/hit`;
  });
  after(async () => {
    await gatewayHits.close();
    await p?.cleanup();
    await ctd?.stop();
  });

  it('a function takes an entry, answers, reaches the gateway; its delete leaves nothing; the pool refills', async () => {
    const entries = await poolFull(2);
    await deploy('pooled');
    const record = await network.store.find(ns, 'pooled');
    assert.ok(record);
    assert.ok(
      entries.some((e) => e.netns === record.netns),
      `${record.netns} is one of ${entries.map((e) => e.netns).join(', ')}`,
    );
    assert.equal(await netnsOfSpec('pooled'), record.netns);
    assert.match(formatNetTable(await network.records(ns)), new RegExp(`pooled .*${basename(record.netns)}`));

    const before = gatewayHits.received;
    const res = await fetch(`${p.url}/function/pooled`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(text, new RegExp(`^ip=${record.ip?.replaceAll('.', '\\.')}$`, 'm'));
    assert.equal(gatewayHits.received, before + 1, 'the function reached the gateway');

    const refilled = await poolFull(2);
    assert.equal(
      refilled.some((r) => r.netns === record.netns),
      false,
    );

    assert.equal((await api('DELETE', '/system/functions', { functionName: 'pooled' })).status, 202);
    await pollUntil('the function attachment to go', async () =>
      (await network.store.find(ns, 'pooled')) === undefined ? true : undefined,
    );
    assert.equal(await netnsExists(basename(record.netns)), false);
    const live = (await network.store.read()).flatMap((r) => (r.ip ? [r.ip] : []));
    assert.equal(live.includes(record.ip ?? ''), false);
    assert.equal(new Set(live).size, live.length, 'no address held twice');
    assert.deepEqual(await hostLocalIps(), [], 'host-local allocated nothing (static IPAM)');
  });

  it('a restarted provider adopts a pooled function without re-creating it and removes the old entries', async () => {
    await poolFull(2);
    await deploy('kept');
    const record = await network.store.find(ns, 'kept');
    assert.ok(record?.netns.includes(`${pool}--`), `${record?.netns} is a pooled netns`);
    const was = await identity('kept');
    const stale = await poolFull(2);

    await p.running?.stop();
    await p.start();

    const res = await fetch(`${p.url}/function/kept`);
    assert.equal(res.status, 200, await res.text());
    assert.equal(await identity('kept'), was, 'not re-created, not restarted');
    assert.deepEqual(await network.store.find(ns, 'kept'), record);

    // The old process's entries go, and new ones come.
    const fresh = await pollUntil(
      'the stale entries to be replaced',
      async () => {
        const rs = (await network.records(pool)).filter((r) => r.state === 'attached');
        return rs.length === 2 && !rs.some((r) => stale.some((s) => s.netns === r.netns)) ? rs : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    assert.equal(fresh.length, 2);
    for (const s of stale) assert.equal(await netnsExists(basename(s.netns)), false, s.netns);
    const live = (await network.store.read()).flatMap((r) => (r.ip ? [r.ip] : []));
    assert.equal(new Set(live).size, live.length, 'no address held twice');
    assert.deepEqual(await hostLocalIps(), [], 'host-local allocated nothing (static IPAM)');
    assert.equal((await api('DELETE', '/system/functions', { functionName: 'kept' })).status, 202);
  });

  it('with pool 0, a function attaches under its own name and the old entries go', async () => {
    await p.running?.stop();
    p.config.netnsPool = 0;
    await p.start();
    await pollUntil('the pool to be empty', async () =>
      (await network.records(pool)).length === 0 ? true : undefined,
    );
    await deploy('direct');
    const record = await network.store.find(ns, 'direct');
    assert.equal(record?.netns, `/var/run/netns/${netnsName(ns, 'direct')}`);
    assert.equal((await fetch(`${p.url}/function/direct`)).status, 200);
    assert.deepEqual(await network.records(pool), []);
  });
});
