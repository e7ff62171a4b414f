import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { needsRoot } from '../helpers/root.js';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { packBusybox } from '../helpers/busybox.js';
import { pollUntil } from '../helpers/wait.js';
import { killTaskAndAwaitRestart } from '../helpers/tasks.js';
import { runFaasd, type FaasdProcess } from '../helpers/faasd-process.js';
import { removeTestStack } from '../helpers/host-cleanup.js';
import { resolveConfig } from '../../src/config/index.js';

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('faasd up through containerd outages (#17 item 11)', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let dir: string;
  let env: Record<string, string>;
  let ns: string;
  let up: FaasdProcess | undefined;

  before(async () => {
    ctd = await startContainerd('outage');
    dir = await mkdtemp('/tmp/faasd-test-outage-');
    const tag = randomBytes(2).toString('hex');
    ns = `out${tag}`;
    env = {
      FAASD_CONTAINERD_ADDRESS: ctd.address,
      FAASD_NAMESPACE: ns,
      FAASD_STATE_DIR: join(dir, 'state'),
      FAASD_BRIDGE: `fout${tag}`,
      FAASD_SUBNET: `10.204.${randomBytes(1)[0] ?? 1}.0/24`,
      FAASD_CNI_PATH: '/usr/lib/cni:/opt/cni/bin',
    };
    await packBusybox(ctd.client.inNamespace(ns), 'faasd.test/busybox:1');
    await writeFile(
      join(dir, 'docker-compose.yaml'),
      `version: "3.7"
services:
  idle:
    image: faasd.test/busybox:1
    command: sleep 3600
  slow:
    image: faasd.test/busybox:1
    user: nobody
    command: ["sh", "-c", "sleep 1; exec httpd -f -p 8080 -h /www"]
`,
    );
  });

  after(async () => {
    if (up?.proc.exitCode === null) up.proc.kill('SIGKILL');
    await ctd?.resume();
    if (env) await removeTestStack(ctd, resolveConfig({}, env, {}), dir).catch(() => undefined);
    await ctd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('waits for containerd at start, outlives an outage of seconds, and still restarts a killed service', async () => {
    await ctd.halt();
    const p = runFaasd(['up', '--compose', join(dir, 'docker-compose.yaml'), '--no-provider'], env);
    up = p;
    const early = p.exited.then((code) => {
      throw new Error(`faasd up exited (${code}): ${p.output().slice(-3000)}`);
    });
    early.catch(() => undefined);

    // Down at start: it retries, logging each attempt, until containerd is there.
    await pollUntil(
      'faasd up to retry containerd twice',
      async () => (count(p.output(), 'containerd is not reachable; retrying') >= 2 ? true : undefined),
      { timeoutMs: 60_000, early },
    );
    await ctd.resume();
    await pollUntil(
      'the stack to be up',
      async () => (p.output().includes('stack is up') ? true : undefined),
      {
        timeoutMs: 120_000,
        early,
      },
    );

    // Down for as long as the backoff takes to reach 3.2 s: 0.2 + 0.4 + 0.8 + 1.6 s of retries first.
    const before = p.output().length;
    await ctd.halt();
    await pollUntil(
      'faasd up to back off to 3.2 s',
      async () => {
        const since = p.output().slice(before);
        return since.includes('lost containerd events; reconnecting') && since.includes('in_ms=3200')
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, early },
    );
    assert.equal(p.proc.exitCode, null, 'faasd up is still running');
    await ctd.resume();

    const c = ctd.client.inNamespace(ns);
    const { before: was, after: now } = await killTaskAndAwaitRestart(c, 'idle', 60_000);
    assert.notEqual(now.pid, was?.pid);
    assert.equal(p.proc.exitCode, null);
    assert.equal(p.output().includes('Unhandled'), false, p.output().slice(-2000));

    p.proc.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output().slice(-2000));
  });
});
