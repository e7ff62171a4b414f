import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { needsRoot } from '../helpers/root.js';
import { packNamedUserImage } from '../helpers/named-user-image.js';
import { freePort } from '../helpers/registry.js';
import { pollUntil } from '../helpers/wait.js';
import { upTestStack, type LaunchedUp, type UpTestStack } from '../helpers/up-stack.js';
import { ipamStoreFile } from '../../src/config/index.js';
import { IpamStore } from '../../src/network/ipam-store.js';
import { netnsExists, netnsName } from '../../src/network/netns.js';

/**
 * A core container whose netns and network record vanished (bench/chaos saw it on the split layout,
 * where the provider's reconcile judged the core namespace's attachments too): `faasd up` makes the
 * service again instead of exiting, whether that is found at its start, at a restart of the service
 * or at the next `faasd up`.
 */
describe('faasd up: a core container that lost its netns and record', { skip: needsRoot }, () => {
  let stack: UpTestStack;
  let compose: string;
  let store: IpamStore;
  let port: number;

  before(async () => {
    stack = await upTestStack('lostns', { bridgePrefix: 'flns', subnetBase: '10.206' });
    store = new IpamStore(ipamStoreFile(stack.config));
    // As an OpenFaaS image: a named non-root user, and a server that answers a second after it starts.
    await packNamedUserImage(stack.core, 'faasd.test/app:1');
    port = await freePort();
    await mkdir(join(stack.dir, 'gate'));
    // `web` starts only once `gate` is healthy, and gate is healthy once the test opens it: between
    // web's create and its start the test can take its network away. The check prints what it reads
    // (a check's output must not fail it).
    compose = join(stack.dir, 'docker-compose.yaml');
    await writeFile(
      compose,
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

  afterEach(async () => stack?.killAll());
  after(async () => stack?.dispose());

  const webAnswers = (early: Promise<never>) =>
    pollUntil(
      'web to answer on its published port',
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        return res.ok ? await res.text() : undefined;
      },
      { timeoutMs: 60_000, early },
    );

  const stackUp = async (up: LaunchedUp) => {
    await stack.waitUp(up);
    assert.equal(await webAnswers(up.early), 'web-ok\n');
  };

  /** What chaos left: web's netns deleted and its record removed; its container (and task) stay. */
  const loseWebNetwork = async () => {
    const ns = stack.config.namespace;
    await execa('ip', ['netns', 'delete', netnsName(ns, 'web')]);
    await store.update((rs) => rs.filter((r) => !(r.namespace === ns && r.id === 'web')));
    assert.ok(await stack.core.containers.get('web'), 'the container stays');
  };

  const assertWebAttached = async () => {
    assert.ok(await netnsExists(netnsName(stack.config.namespace, 'web')), 'web has a netns again');
    assert.deepEqual((await store.read()).map((r) => r.id).sort(), ['gate', 'web']);
  };

  const stop = async (up: LaunchedUp) => {
    up.proc.kill('SIGTERM');
    assert.equal(await up.exited, 0, up.output());
    assert.deepEqual(await stack.core.containers.list(), []);
    assert.deepEqual(await store.read(), []);
  };

  it('at its start: the network vanished between create and start, and up makes the service again', async () => {
    const up = stack.launch(compose);
    // Every service is created before the first starts, so web exists, unstarted, once gate runs.
    await pollUntil(
      'gate to start',
      async () => (/started service service=gate/.test(up.output()) ? true : undefined),
      { timeoutMs: 60_000, early: up.early },
    );
    assert.equal(await stack.core.tasks.get('web'), undefined, 'web waits for gate');
    await loseWebNetwork();
    await writeFile(join(stack.dir, 'gate', 'open'), 'yes\n');
    await stackUp(up);
    await assertWebAttached();
    await stop(up);
  });

  it('at a restart of the service: its task dies after its network vanished, and it comes back', async () => {
    const up = stack.launch(compose);
    await stackUp(up);
    const before = await stack.core.tasks.get('web');
    await loseWebNetwork();
    process.kill(before?.pid ?? 0, 'SIGKILL');
    await pollUntil(
      'web to run again',
      async () => {
        const t = await stack.core.tasks.get('web');
        return t?.status === 'RUNNING' && t.pid !== before?.pid ? t : undefined;
      },
      { timeoutMs: 60_000, early: up.early },
    );
    assert.equal(await webAnswers(up.early), 'web-ok\n');
    await assertWebAttached();
    await stop(up);
  });

  it('at the next faasd up: after a SIGKILL, the leftover without a network is replaced', async () => {
    const first = stack.launch(compose);
    await stackUp(first);
    first.proc.kill('SIGKILL');
    await first.exited;
    await loseWebNetwork();
    const up = stack.launch(compose);
    await stackUp(up);
    await assertWebAttached();
    await stop(up);
  });
});
