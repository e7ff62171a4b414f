import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { packEchoFunction } from '../helpers/echo-function.js';
import { testProvider, type TestProvider } from '../helpers/provider.js';
import { pollUntil } from '../helpers/wait.js';
import { deployStack } from '../helpers/stack-deploy.js';
import { runFaasd } from '../helpers/faasd-process.js';
import type { FunctionStatus } from '../../src/provider/index.js';

const IMAGE = 'faasd.test/echo:1';

describe('faasd export: a stack file that deploys the same functions back', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let p: TestProvider;
  let out: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${p.url}${path}`, {
      method,
      headers: { Authorization: p.auth, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  };
  /** Describe without what changes by itself (creation time, live usage). */
  const describeFn = async (name: string) => {
    const r = await api('GET', `/system/function/${name}`);
    assert.equal(r.status, 200, r.text);
    const { createdAt: _c, usage: _u, ...rest } = JSON.parse(r.text) as FunctionStatus;
    return rest;
  };
  const readyAll = (names: string[]) =>
    pollUntil(
      'the functions to be ready',
      async () => {
        for (const n of names) if ((await describeFn(n)).availableReplicas < 1) return undefined;
        return true;
      },
      { timeoutMs: 60_000 },
    );

  before(async () => {
    ctd = await startContainerd('export');
    p = await testProvider(ctd, 'export');
    await packEchoFunction(ctd.client.inNamespace(p.config.functionNamespace), IMAGE);
    await p.start();
    out = await mkdtemp(join(tmpdir(), 'faasd-test-export-'));
  });
  after(async () => {
    await p?.cleanup();
    await ctd?.stop();
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('exports three functions (env, labels, a secret, limits), and they come back identical', async () => {
    assert.equal(
      (await api('POST', '/system/secrets', { name: 'db-password', value: 's3cret' })).status,
      201,
    );
    const fns = [
      { service: 'env', image: IMAGE, envProcess: 'cat', envVars: { GREETING: 'hi', LEVEL: '3' } },
      {
        service: 'labelled',
        image: IMAGE,
        labels: { team: 'blue', 'com.openfaas.scale.min': '1' },
        annotations: { topic: 'cron-function', schedule: '0 0 1 1 *', async: 'true' },
      },
      {
        service: 'limited',
        image: IMAGE,
        secrets: ['db-password'],
        limits: { memory: '128Mi', cpu: '500m' },
        requests: { memory: '64Mi', cpu: '100m' },
      },
    ];
    for (const f of fns) assert.equal((await api('POST', '/system/functions', f)).status, 202);
    const names = fns.map((f) => f.service);
    await readyAll(names);
    const before = await Promise.all(names.map(describeFn));

    // As a user runs it: the CLI, basic auth from the install's secrets.
    const file = join(out, 'exported.yml');
    const cli = runFaasd(['export', '--provider-url', p.url, '-o', file], p.env);
    assert.equal(await cli.exited, 0, cli.output());
    const text = await readFile(file, 'utf8');
    assert.match(text, /^version: "1\.0"$/m);
    assert.match(text, /secrets:\n\s+- "db-password"/);
    assert.doesNotMatch(text, /s3cret/);

    for (const n of names)
      assert.equal(
        (await api('DELETE', '/system/functions', { functionName: n, namespace: p.config.functionNamespace }))
          .status,
        202,
      );
    await pollUntil(
      'the functions to be gone',
      async () => {
        for (const n of names)
          if ((await api('GET', `/system/function/${n}`)).status !== 404) return undefined;
        return true;
      },
      { timeoutMs: 30_000 },
    );

    assert.deepEqual(await deployStack(p.url, p.auth, text), [202, 202, 202]);
    await readyAll(names);
    assert.deepEqual(await Promise.all(names.map(describeFn)), before);
  });
});
