import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { packEchoFunction } from '../helpers/echo-function.js';
import { testProvider, type TestProvider } from '../helpers/provider.js';
import { freePort } from '../helpers/registry.js';
import { pollUntil } from '../helpers/wait.js';
import { runFaasd, type FaasdProcess } from '../helpers/faasd-process.js';
import { networkFromConfig } from '../../src/network/index.js';
import { listNetns } from '../../src/network/netns.js';

const IMAGE = 'faasd.test/echo:1';

describe('faasd provider killed with SIGKILL during a deploy', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let p: TestProvider;
  let port: number;
  const procs: FaasdProcess[] = [];

  const startProcess = async (): Promise<FaasdProcess> => {
    const proc = runFaasd(['provider', '--port', String(port), '--listen', '127.0.0.1'], p.env);
    procs.push(proc);
    const early = proc.exited.then((c) => {
      throw new Error(`provider exited (${c}): ${proc.output()}`);
    });
    early.catch(() => undefined);
    await pollUntil(
      'the provider to listen',
      async () => (proc.output().includes('listening') ? true : undefined),
      { timeoutMs: 30_000, early },
    );
    return proc;
  };

  before(async () => {
    ctd = await startContainerd('provcrash');
    p = await testProvider(ctd, 'provcrash');
    await packEchoFunction(ctd.client.inNamespace(p.config.functionNamespace), IMAGE);
    port = await freePort();
  });
  after(async () => {
    for (const proc of procs) if (proc.proc.exitCode === null) proc.proc.kill('SIGKILL');
    await p?.cleanup();
    await ctd?.stop();
  });

  it('after a restart the function either runs or does not exist, and nothing leaked', async () => {
    const ns = p.config.functionNamespace;
    const network = networkFromConfig(p.config);
    const first = await startProcess();
    const deploy = fetch(`http://127.0.0.1:${port}/system/functions`, {
      method: 'POST',
      headers: { Authorization: p.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ service: 'crashy', image: IMAGE }),
    }).catch(() => undefined);
    // Kill once the deploy has begun changing the host (an attachment is being recorded).
    await pollUntil(
      'the deploy to begin',
      async () => ((await network.records(ns)).length > 0 ? true : undefined),
      { timeoutMs: 20_000 },
    );
    first.proc.kill('SIGKILL');
    await first.exited;
    await deploy;

    await startProcess();
    const describe = await fetch(`http://127.0.0.1:${port}/system/function/crashy`, {
      headers: { Authorization: p.auth },
    });
    const c = ctd.client.inNamespace(ns);
    if (describe.status === 200) {
      // Reconcile started or adopted the replica; it is available once its readiness probe passes,
      // which runs after the provider listens (a slow starter would take seconds).
      await pollUntil('the function to be available after the restart', async () => {
        const d = (await (
          await fetch(`http://127.0.0.1:${port}/system/function/crashy`, {
            headers: { Authorization: p.auth },
          })
        ).json()) as { availableReplicas: number };
        return d.availableReplicas === 1 ? true : undefined;
      });
      assert.equal((await fetch(`http://127.0.0.1:${port}/function/crashy`)).status, 200);
      assert.deepEqual(
        (await network.records(ns)).map((r) => [r.id, r.state]),
        [['crashy', 'attached']],
      );
    } else {
      assert.equal(describe.status, 404);
      assert.deepEqual(await c.containers.list(), []);
      assert.deepEqual(await network.records(ns), []);
      assert.deepEqual(
        // `<ns>--<id>`: not the pool's entries (`<ns>-_pool--<id>`, netns-pool.ts).
        (await listNetns()).filter((n) => n.startsWith(`${ns}--`)),
        [],
      );
      assert.deepEqual(
        (await c.snapshots.list()).filter((s) => s.kind !== 'COMMITTED'),
        [],
      );
    }
  });
});
