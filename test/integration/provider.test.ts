import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { packEchoFunction } from '../helpers/echo-function.js';
import { testProvider, type TestProvider } from '../helpers/provider.js';
import { pollUntil } from '../helpers/wait.js';
import { killTaskAndAwaitRestart } from '../helpers/tasks.js';
import { startRegistry } from '../helpers/registry.js';
import { execa } from 'execa';
import { listNetns } from '../../src/network/netns.js';
import { networkFromConfig } from '../../src/network/index.js';
import { cniIdsOf } from '../../src/network/ipam-store.js';
import { FUNCTION_LABEL } from '../../src/provider/index.js';

const IMAGE = 'faasd.test/echo:1';

describe('faasd provider API (as faas-cli speaks it)', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let p: TestProvider;
  let fnNs: string;

  const api = async (method: string, path: string, body?: unknown, auth = true) => {
    const headers: Record<string, string> = {};
    if (auth) headers.Authorization = p.auth;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${p.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) as unknown, headers: res.headers };
  };
  const listNames = async (ns = fnNs) =>
    ((await api('GET', `/system/functions?namespace=${ns}`)).json() as { name: string }[])
      .map((f) => f.name)
      .sort();
  const deployment = (over: Record<string, unknown> = {}) => ({
    service: 'echo',
    image: IMAGE,
    envProcess: 'cat',
    envVars: { GREETING: 'hello' },
    labels: { 'com.openfaas.scale.min': '1', team: 'a' },
    annotations: { topic: 'demo' },
    limits: { memory: '64Mi', cpu: '500m' },
    ...over,
  });
  /** The function's container: an update moves it between slots NAME and NAME.1. */
  const containerOf = async (name: string) => {
    const all = await ctd.client.inNamespace(fnNs).containers.list(`labels."${FUNCTION_LABEL}"`);
    const c = all.find((x) => x.labels[FUNCTION_LABEL] === name);
    assert.ok(c, `a container of ${name}`);
    return c.id;
  };
  /** availableReplicas counts ready containers: a describe right after a start may still say 0. */
  const whenReady = (name: string) =>
    pollUntil(`${name} to be ready`, async () => {
      const s = (await api('GET', `/system/function/${name}`)).json() as { availableReplicas: number };
      return s.availableReplicas === 1 ? s : undefined;
    });
  /** faas-cli deploy: PUT first, POST when the function does not exist. */
  const faasCliDeploy = async (body: unknown) => {
    const put = await api('PUT', '/system/functions', body);
    if (put.status !== 404) return put;
    return api('POST', '/system/functions', body);
  };

  before(async () => {
    ctd = await startContainerd('provider');
    p = await testProvider(ctd, 'provider');
    fnNs = p.config.functionNamespace;
    await packEchoFunction(ctd.client.inNamespace(fnNs), IMAGE);
    await p.start();
  });
  after(async () => {
    await p?.cleanup();
    await ctd?.stop();
  });

  it('answers /healthz and /system/info, and 401 with a challenge without credentials', async () => {
    assert.equal((await fetch(`${p.url}/healthz`)).status, 200);
    const info = (await api('GET', '/system/info')).json() as { orchestration: string; provider: string };
    assert.equal(info.orchestration, 'containerd');
    for (const [m, path] of [
      ['GET', '/system/functions'],
      ['POST', '/system/functions'],
      ['GET', '/system/secrets'],
      ['GET', '/system/namespaces'],
      ['POST', '/system/scale-function/echo'],
      ['GET', '/system/info'],
    ] as const) {
      const r = await api(m, path, undefined, false);
      assert.equal(r.status, 401, `${m} ${path}`);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    }
    const wrong = await fetch(`${p.url}/system/functions`, {
      headers: { Authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` },
    });
    assert.equal(wrong.status, 401);
  });

  it('deploys (PUT 404 then POST), lists and describes exactly what was deployed', async () => {
    const put = await api('PUT', '/system/functions', deployment());
    assert.equal(put.status, 404);
    const r = await faasCliDeploy(deployment());
    assert.equal(r.status, 202, r.text);
    assert.equal((await api('POST', '/system/functions', deployment())).status, 409);
    assert.deepEqual(await listNames(), ['echo']);
    await whenReady('echo');
    const d = (await api('GET', `/system/function/echo?namespace=${fnNs}`)).json() as Record<string, unknown>;
    assert.equal(d.name, 'echo');
    assert.equal(d.image, IMAGE);
    assert.equal(d.namespace, fnNs);
    assert.deepEqual(d.envVars, { GREETING: 'hello' });
    assert.equal(d.envProcess, 'cat');
    assert.deepEqual(d.labels, { 'com.openfaas.scale.min': '1', team: 'a' });
    assert.deepEqual(d.annotations, { topic: 'demo' });
    assert.deepEqual(d.limits, { memory: '64Mi', cpu: '500m' });
    assert.equal(d.replicas, 1);
    assert.equal(d.availableReplicas, 1);
    assert.match(String(d.createdAt), /^\d{4}-\d\d-\d\dT/);
    const usage = d.usage as { totalMemoryBytes?: number } | undefined;
    assert.ok((usage?.totalMemoryBytes ?? 0) > 0, `usage ${JSON.stringify(usage)}`);
  });

  it('invokes with method, path, query, headers and body passed through', async () => {
    const post = await fetch(`${p.url}/function/echo/some/path?x=1&y=two`, {
      method: 'POST',
      headers: { 'X-Test': 'yes', 'Content-Type': 'text/plain' },
      body: 'payload-123',
    });
    assert.equal(post.status, 200);
    const text = await post.text();
    assert.match(text, /^method=POST$/m);
    assert.match(text, /^target=\/some\/path\?x=1&y=two$/m);
    assert.match(text, /^header=x-test: yes$/im);
    assert.match(text, /^body=payload-123$/m);
    assert.match(text, /^greeting=hello$/m);
    assert.match(text, /^fprocess=cat$/m);
    assert.match(text, /^hostname=echo$/m);
    const get = await fetch(`${p.url}/function/echo.${fnNs}`);
    assert.match(await get.text(), /^method=GET\ntarget=\/$/m);
    assert.equal((await fetch(`${p.url}/function/nothere`)).status, 404);
  });

  it('updates: the new env is visible', async () => {
    const r = await faasCliDeploy(deployment({ envVars: { GREETING: 'bonjour' } }));
    assert.equal(r.status, 202, r.text);
    const text = await (await fetch(`${p.url}/function/echo`)).text();
    assert.match(text, /^greeting=bonjour$/m);
    const d = (await api('GET', '/system/function/echo')).json() as { envVars: Record<string, string> };
    assert.deepEqual(d.envVars, { GREETING: 'bonjour' });
  });

  it('scales to 0 (503, truthful counts) and back to 1', async () => {
    assert.equal(
      (
        await api('POST', '/system/scale-function/echo', {
          serviceName: 'echo',
          replicas: 0,
          namespace: fnNs,
        })
      ).status,
      202,
    );
    const d0 = (await api('GET', '/system/function/echo')).json() as {
      replicas: number;
      availableReplicas: number;
    };
    assert.deepEqual([d0.replicas, d0.availableReplicas], [0, 0]);
    assert.equal((await fetch(`${p.url}/function/echo`)).status, 503);
    assert.equal(
      (await api('POST', '/system/scale-function/echo', { serviceName: 'echo', replicas: 1 })).status,
      202,
    );
    await whenReady('echo');
    const d1 = (await api('GET', '/system/function/echo')).json() as {
      replicas: number;
      availableReplicas: number;
    };
    assert.deepEqual([d1.replicas, d1.availableReplicas], [1, 1]);
    assert.equal((await fetch(`${p.url}/function/echo`)).status, 200);
    assert.equal((await api('POST', '/system/scale-function/echo', { replicas: -1 })).status, 400);
    assert.equal((await api('POST', '/system/scale-function/nothere', { replicas: 1 })).status, 404);
  });

  it('brings a function whose task died back on its next invocation', async () => {
    const task = await ctd.client.inNamespace(fnNs).tasks.get(await containerOf('echo'));
    assert.ok(task?.pid, 'echo runs');
    process.kill(task.pid, 'SIGKILL');
    const res = await fetch(`${p.url}/function/echo`);
    assert.equal(res.status, 200);
  });

  it('a monitor restarts a function whose task died, without an invocation', async () => {
    const c = ctd.client.inNamespace(fnNs);
    const id = await containerOf('echo');
    assert.equal((await c.tasks.get(id))?.status, 'RUNNING');
    const { before, after } = await killTaskAndAwaitRestart(c, id);
    assert.notEqual(after.pid, before?.pid);
  });

  it('survives a containerd restart: the function keeps answering, and a task killed later comes back', async () => {
    await ctd.restart();
    await pollUntil('echo to answer after the restart', async () =>
      (await fetch(`${p.url}/function/echo`)).status === 200 ? true : undefined,
    );
    // The exit event or, should it be lost across the reconnect, the periodic sweep brings it back.
    const id = await containerOf('echo');
    const { before, after } = await killTaskAndAwaitRestart(ctd.client.inNamespace(fnNs), id, 30_000);
    assert.notEqual(after.pid, before?.pid);
    assert.equal((await fetch(`${p.url}/function/echo`)).status, 200);
  });

  it('deploys an image from a registry (pulled on deploy), updates to a new tag, refuses an unknown one', async () => {
    const reg = await startRegistry();
    try {
      const c = ctd.client.inNamespace(fnNs);
      const v1 = await reg.push(c, IMAGE, 'fns/echo:1');
      const v2 = await reg.push(c, IMAGE, 'fns/echo:2');
      const fn = { service: 'pulled', image: v1, envVars: { GREETING: 'from-registry' } };
      assert.equal((await api('POST', '/system/functions', fn)).status, 202);
      assert.ok(await c.images.get(v1), 'the deploy pulled the image into containerd');
      const first = await fetch(`${p.url}/function/pulled`);
      assert.match(await first.text(), /^greeting=from-registry$/m);

      assert.equal((await api('PUT', '/system/functions', { ...fn, image: v2 })).status, 202);
      assert.equal(((await api('GET', '/system/function/pulled')).json() as { image: string }).image, v2);
      assert.equal((await fetch(`${p.url}/function/pulled`)).status, 200);

      // An unknown tag: the update is refused before anything is removed, and v2 keeps answering.
      const bad = await api('PUT', '/system/functions', { ...fn, image: `${reg.host}/fns/echo:nothere` });
      assert.ok(bad.status >= 400 && bad.status < 500, `${bad.status} ${bad.text}`);
      assert.equal(((await api('GET', '/system/function/pulled')).json() as { image: string }).image, v2);
      assert.equal((await fetch(`${p.url}/function/pulled`)).status, 200);
      const unknown = await api('POST', '/system/functions', {
        service: 'never',
        image: `${reg.host}/fns/nothere:1`,
      });
      assert.ok(unknown.status >= 400 && unknown.status < 500, `${unknown.status} ${unknown.text}`);
      assert.equal((await api('GET', '/system/function/never')).status, 404);
    } finally {
      await api('DELETE', '/system/functions', { functionName: 'pulled' });
      await reg.stop();
    }
  });

  it('brings a function back after a host reboot: task and netns gone, container and record left', async () => {
    const scale = async (replicas: number) =>
      (await api('POST', '/system/scale-function/echo', { serviceName: 'echo', replicas })).status;
    assert.equal(await scale(0), 202);
    const id = await containerOf('echo');
    // The netns the record names: a pooled one keeps the name it was made under (netns-pool.ts).
    const record = await networkFromConfig(p.config).store.find(fnNs, id);
    assert.ok(record, 'echo has an attachment');
    const { netnsName: name, containerId } = cniIdsOf(record);
    // What a reboot does to /run: the netns (and with it the veth) is gone; the store still names it.
    await execa('ip', ['netns', 'delete', name]);
    assert.equal(await scale(1), 202);
    const res = await fetch(`${p.url}/function/echo`);
    assert.equal(res.status, 200, await res.text());
    assert.ok((await listNetns()).includes(name));
    // No masquerade rule of its own (the subnet's one rule serves every function, issue #16), and none
    // left from before although the bridge plugin could not see the netns.
    const nat = (await execa('iptables', ['-t', 'nat', '-S', 'POSTROUTING'])).stdout.split('\n');
    const mine = nat.filter((l) => l.includes(`id: \\"${containerId}\\"`));
    assert.deepEqual(mine, []);
  });

  it('manages secrets, and a function reads its secret', async () => {
    assert.equal((await api('POST', '/system/secrets', { name: 'db-pass', value: 's3cret' })).status, 201);
    assert.equal((await api('POST', '/system/secrets', { name: 'db-pass', value: 'again' })).status, 409);
    assert.deepEqual((await api('GET', '/system/secrets')).json(), [{ name: 'db-pass', namespace: fnNs }]);
    assert.equal(
      (
        await api('PUT', '/system/secrets', {
          name: 'db-pass',
          rawValue: Buffer.from('n3w').toString('base64'),
        })
      ).status,
      202,
    );
    assert.equal((await api('PUT', '/system/secrets', { name: 'nope', value: 'x' })).status, 404);
    const r = await faasCliDeploy(deployment({ secrets: ['db-pass'] }));
    assert.equal(r.status, 202, r.text);
    assert.match(await (await fetch(`${p.url}/function/echo`)).text(), /^secrets=db-pass=n3w;$/m);
    assert.equal((await api('DELETE', '/system/secrets', { name: 'db-pass' })).status, 202);
    assert.equal((await api('DELETE', '/system/secrets', { name: 'db-pass' })).status, 404);
  });

  it('manages namespaces and deploys into one', async () => {
    assert.equal((await api('POST', '/system/namespace/team1', { labels: { owner: 'x' } })).status, 201);
    assert.equal((await api('POST', '/system/namespace/team1', {})).status, 409);
    assert.deepEqual(
      ((await api('GET', '/system/namespaces')).json() as string[]).sort(),
      [fnNs, 'team1'].sort(),
    );
    const ns = (await api('GET', '/system/namespace/team1')).json() as { labels: Record<string, string> };
    assert.deepEqual(ns.labels, { owner: 'x', openfaas: '1' });
    await packEchoFunction(ctd.client.inNamespace('team1'), IMAGE);
    assert.equal(
      (
        await api(
          'POST',
          '/system/functions',
          deployment({ namespace: 'team1', envVars: { GREETING: 'team' } }),
        )
      ).status,
      202,
    );
    assert.match(await (await fetch(`${p.url}/function/echo.team1/`)).text(), /^greeting=team$/m);
    assert.deepEqual(await listNames('team1'), ['echo']);
    assert.equal(
      (await api('DELETE', '/system/functions', { functionName: 'echo', namespace: 'team1' })).status,
      202,
    );
    await ctd.client.inNamespace('team1').images.delete('docker.io/library/x');
    for (const img of await ctd.client.inNamespace('team1').images.list())
      await ctd.client.inNamespace('team1').images.delete(img.name, true);
    assert.equal((await api('DELETE', '/system/namespace/team1')).status, 202);
    assert.equal((await api('GET', '/system/namespace/team1')).status, 404);
  });

  it('serves logs as ndjson with tail, since and follow', async () => {
    type Entry = { name: string; namespace: string; instance: string; timestamp: string; text: string };
    const entries = (text: string) =>
      text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Entry);
    await fetch(`${p.url}/function/echo/first`).then((r) => r.text());
    await fetch(`${p.url}/function/echo/second`).then((r) => r.text());
    const handled = (es: Entry[]) => es.filter((e) => e.text.startsWith('handled '));
    const all = await pollUntil('both requests in the log', async () => {
      const es = handled(entries((await api('GET', '/system/logs?name=echo')).text));
      return es.some((e) => e.text === 'handled GET /second') ? es : undefined;
    });
    const last = all[all.length - 1];
    assert.equal(last?.name, 'echo');
    assert.equal(last?.namespace, fnNs);
    assert.match(last?.timestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const tail1 = entries((await api('GET', '/system/logs?name=echo&tail=1')).text);
    assert.deepEqual(
      tail1.map((e) => e.text),
      ['handled GET /second'],
    );
    const future = new Date(Date.now() + 3600_000).toISOString();
    assert.equal((await api('GET', `/system/logs?name=echo&since=${future}`)).text, '');

    const ctl = new AbortController();
    const deadline = setTimeout(() => ctl.abort(), 20_000);
    const res = await fetch(`${p.url}/system/logs?name=echo&tail=0&follow=true`, {
      headers: { Authorization: p.auth },
      signal: ctl.signal,
    });
    assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
    const reader = res.body?.getReader();
    await fetch(`${p.url}/function/echo/followed`).then((r) => r.text());
    let got = '';
    while (!got.includes('handled GET /followed')) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      got += Buffer.from(chunk.value).toString('utf8');
    }
    clearTimeout(deadline);
    ctl.abort();
    assert.deepEqual(
      handled(entries(got)).map((e) => e.text),
      ['handled GET /followed'],
    );

    assert.equal((await api('GET', '/system/logs?name=nothere')).status, 404);
    assert.equal((await api('GET', '/system/logs?name=echo&tail=x')).status, 400);
    assert.equal((await api('GET', '/system/logs?name=echo&since=yesterday')).status, 400);
  });

  it('refuses bad input with the right status and changes nothing', async () => {
    const before = await listNames();
    const cases: [string, string, unknown, number][] = [
      ['POST', '/system/functions', deployment({ service: 'Bad_Name' }), 400],
      ['POST', '/system/functions', deployment({ service: 'x'.repeat(64) }), 400],
      ['POST', '/system/functions', deployment({ service: 'new1', namespace: 'unknown-ns' }), 400],
      ['POST', '/system/functions', '{"service": "new2", "image": ', 400],
      ['POST', '/system/functions', deployment({ service: 'new3', image: 'Not A Ref::' }), 400],
      ['POST', '/system/functions', deployment({ service: 'new4', secrets: ['missing'] }), 400],
      ['POST', '/system/functions', deployment({ service: 'new5', secrets: ['../etc'] }), 400],
      ['POST', '/system/functions', deployment({ service: 'new6', limits: { memory: 'lots' } }), 400],
      [
        'POST',
        '/system/functions',
        { service: 'new7', image: IMAGE, padding: 'x'.repeat(2 * 1024 * 1024) },
        413,
      ],
      ['POST', '/system/secrets', { name: 'a/b', value: 'x' }, 400],
      ['POST', '/system/secrets', { name: '..', value: 'x' }, 400],
      ['GET', '/system/functions?namespace=Bad_NS', undefined, 400],
      ['GET', '/system/function/nothere', undefined, 404],
      ['DELETE', '/system/functions', { functionName: 'nothere' }, 404],
      ['PUT', '/system/functions', deployment({ service: 'nothere' }), 404],
    ];
    for (const [m, path, body, want] of cases) {
      const r = await api(m, path, body);
      assert.equal(r.status, want, `${m} ${path} ${JSON.stringify(body)?.slice(0, 80)}: ${r.text}`);
      assert.ok(r.text.trim().length > 0, 'a clear message');
    }
    assert.deepEqual(await listNames(), before);
    assert.deepEqual((await api('GET', '/system/secrets')).json(), []);
  });

  it('deletes a function that ignores SIGTERM within the grace period + 1 s', async () => {
    const t0 = Date.now();
    const r = await api('DELETE', '/system/functions', { functionName: 'echo', namespace: fnNs });
    const took = Date.now() - t0;
    assert.equal(r.status, 202, r.text);
    assert.ok(took < 2000 + 1000, `took ${took} ms`);
    assert.equal((await api('GET', '/system/function/echo')).status, 404);
    assert.deepEqual(await listNames(), []);
    assert.deepEqual(await ctd.client.inNamespace(fnNs).containers.list(), []);
  });
});
