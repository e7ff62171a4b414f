import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { needsRoot } from '../helpers/root.js';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { packNamedUserImage } from '../helpers/named-user-image.js';
import { freePort } from '../helpers/registry.js';
import { pollUntil } from '../helpers/wait.js';
import { runFaasd, type FaasdProcess } from '../helpers/faasd-process.js';
import { removeTestStack } from '../helpers/host-cleanup.js';
import { isolatedEnv } from '../helpers/test-env.js';
import { ipamStoreFile, resolveConfig, type FaasdConfig } from '../../src/config/index.js';
import type { Containerd } from '../../src/containerd/index.js';
import { IpamStore } from '../../src/network/ipam-store.js';
import { netnsExists, netnsName } from '../../src/network/netns.js';

/**
 * A core container whose netns and network record vanished (bench/chaos saw it on the split layout,
 * where the provider's reconcile judged the core namespace's attachments too): `faasd up` makes the
 * service again instead of exiting, whether that is found at its start, at a restart of the service
 * or at the next `faasd up`.
 */
describe('faasd up: a core container that lost its netns and record', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let dir: string;
  let env: Record<string, string>;
  let config: FaasdConfig;
  let c: Containerd;
  let store: IpamStore;
  let port: number;
  const running: FaasdProcess[] = [];

  before(async () => {
    ctd = await startContainerd('lostns');
    dir = await mkdtemp('/tmp/faasd-test-lostns-');
    env = isolatedEnv(ctd, {
      stateDir: join(dir, 'state'),
      providerDir: join(dir, 'provider'),
      bridgePrefix: 'flns',
      subnetBase: '10.206',
    });
    config = resolveConfig({}, env, {});
    c = ctd.client.inNamespace(config.namespace);
    store = new IpamStore(ipamStoreFile(config));
    // As an OpenFaaS image: a named non-root user, and a server that answers a second after it starts.
    await packNamedUserImage(c, 'faasd.test/app:1');
    port = await freePort();
    await mkdir(join(dir, 'gate'));
    // `web` starts only once `gate` is healthy, and gate is healthy once the test opens it: between
    // web's create and its start the test can take its network away.
    await writeFile(
      join(dir, 'docker-compose.yaml'),
      `services:
  gate:
    image: faasd.test/app:1
    command: ["sleep", "3600"]
    volumes: ["./gate:/gate:ro"]
    healthcheck:
      test: ["CMD", "cat", "/gate/open"]
      interval: 200ms
      timeout: 5s
      retries: 3
      start_period: 600s
      start_interval: 200ms
  web:
    image: faasd.test/app:1
    command: ["sh", "-c", "sleep 1; echo web-ok > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]
    ports:
      - "127.0.0.1:${port}:8080"
    depends_on:
      gate:
        condition: service_healthy
`,
    );
  });

  // A failed test leaves no faasd up behind to fight the next one's.
  afterEach(async () => {
    for (const p of running.splice(0)) {
      if (p.proc.exitCode !== null) continue;
      p.proc.kill('SIGKILL');
      await p.exited;
    }
  });

  after(async () => {
    if (config) await removeTestStack(ctd, config, dir).catch(() => undefined);
    await ctd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const launch = (): { p: FaasdProcess; early: Promise<never> } => {
    const p = runFaasd(['up', '--compose', join(dir, 'docker-compose.yaml'), '--no-provider'], env);
    running.push(p);
    const early = p.exited.then((code) => {
      throw new Error(`faasd up exited (${code}): ${p.output().slice(-3000)}`);
    });
    early.catch(() => undefined);
    return { p, early };
  };

  const webAnswers = (early: Promise<never>) =>
    pollUntil(
      'web to answer on its published port',
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        return res.ok ? await res.text() : undefined;
      },
      { timeoutMs: 60_000, early },
    );

  const stackUp = async (p: FaasdProcess, early: Promise<never>) => {
    await pollUntil(
      'the stack to be up',
      async () => (p.output().includes('stack is up') ? true : undefined),
      { timeoutMs: 90_000, early },
    ).catch((err: unknown) => {
      throw new Error(`the stack did not come up; faasd up said:\n${p.output().slice(-3000)}`, {
        cause: err,
      });
    });
    assert.equal(await webAnswers(early), 'web-ok\n');
  };

  /** What chaos left: web's netns deleted and its record removed; its container (and task) stay. */
  const loseWebNetwork = async () => {
    await execa('ip', ['netns', 'delete', netnsName(config.namespace, 'web')]);
    await store.update((rs) => rs.filter((r) => !(r.namespace === config.namespace && r.id === 'web')));
    assert.ok(await c.containers.get('web'), 'the container stays');
  };

  const assertWebAttached = async () => {
    assert.ok(await netnsExists(netnsName(config.namespace, 'web')), 'web has a netns again');
    assert.deepEqual((await store.read()).map((r) => r.id).sort(), ['gate', 'web']);
  };

  const stop = async (p: FaasdProcess) => {
    p.proc.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output());
    assert.deepEqual(await c.containers.list(), []);
    assert.deepEqual(await store.read(), []);
  };

  it('at its start: the network vanished between create and start, and up makes the service again', async () => {
    const { p, early } = launch();
    // Every service is created before the first starts, so web exists, unstarted, once gate runs.
    await pollUntil(
      'gate to start',
      async () => (/started service service=gate/.test(p.output()) ? true : undefined),
      { timeoutMs: 60_000, early },
    );
    assert.equal(await c.tasks.get('web'), undefined, 'web waits for gate');
    await loseWebNetwork();
    await writeFile(join(dir, 'gate', 'open'), 'yes\n');
    await stackUp(p, early);
    await assertWebAttached();
    await stop(p);
  });

  it('at a restart of the service: its task dies after its network vanished, and it comes back', async () => {
    const { p, early } = launch();
    await stackUp(p, early);
    const before = await c.tasks.get('web');
    await loseWebNetwork();
    process.kill(before?.pid ?? 0, 'SIGKILL');
    await pollUntil(
      'web to run again',
      async () => {
        const t = await c.tasks.get('web');
        return t?.status === 'RUNNING' && t.pid !== before?.pid ? t : undefined;
      },
      { timeoutMs: 60_000, early },
    );
    assert.equal(await webAnswers(early), 'web-ok\n');
    await assertWebAttached();
    await stop(p);
  });

  it('at the next faasd up: after a SIGKILL, the leftover without a network is replaced', async () => {
    const first = launch();
    await stackUp(first.p, first.early);
    first.p.proc.kill('SIGKILL');
    await first.p.exited;
    await loseWebNetwork();
    const { p, early } = launch();
    await stackUp(p, early);
    await assertWebAttached();
    await stop(p);
  });
});
