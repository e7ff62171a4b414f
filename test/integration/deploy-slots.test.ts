import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { packEchoFunction } from '../helpers/echo-function.js';
import { testProvider, type TestProvider } from '../helpers/provider.js';
import { pollUntil } from '../helpers/wait.js';
import { FUNCTION_LABEL } from '../../src/provider/index.js';

const IMAGE = 'faasd.test/echo:1';

// A deploy asks containerd one List of the name's slots (NAME, NAME.k) for both "does it exist?" and
// "which slots are taken?" (issue #16): a function that lives only in NAME.1 (after an update) must
// still be found, and a name that merely starts with it must not be.
describe('deploy: the slots List decides what exists', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let p: TestProvider;
  let fnNs: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${p.url}${path}`, {
      method,
      headers: { Authorization: p.auth, 'Content-Type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  };
  const deployment = (service: string, greeting = 'hello') => ({
    service,
    image: IMAGE,
    envProcess: 'cat',
    envVars: { GREETING: greeting },
  });
  /** Every function container of the namespace, as "id function". */
  const containers = async () =>
    (await ctd.client.inNamespace(fnNs).containers.list(`labels."${FUNCTION_LABEL}"`))
      .map((c) => `${c.id} ${c.labels[FUNCTION_LABEL]}`)
      .sort();

  before(async () => {
    ctd = await startContainerd('deploy-slots');
    p = await testProvider(ctd, 'deploy-slots');
    fnNs = p.config.functionNamespace;
    await packEchoFunction(ctd.client.inNamespace(fnNs), IMAGE);
    await p.start();
  });
  after(async () => {
    await p?.cleanup();
    await ctd?.stop();
  });

  it('409 for a function that lives only in NAME.1, 202 for a name that starts with NAME', async () => {
    assert.equal((await api('POST', '/system/functions', deployment('echo'))).status, 202);
    const updated = await api('PUT', '/system/functions', deployment('echo', 'again'));
    assert.equal(updated.status, 202, updated.text);
    // The update's new version took slot echo.1; the old one in echo is removed once it serves.
    await pollUntil('the update to leave only echo.1', async () =>
      (await containers()).join(',') === 'echo.1 echo' ? true : undefined,
    );
    const again = await api('POST', '/system/functions', deployment('echo'));
    assert.equal(again.status, 409, again.text);
    assert.deepEqual(await containers(), ['echo.1 echo'], 'the refused deploy changed nothing');
    assert.equal((await api('POST', '/system/functions', deployment('echo-2'))).status, 202);
    assert.deepEqual(await containers(), ['echo-2 echo-2', 'echo.1 echo']);
  });
});
