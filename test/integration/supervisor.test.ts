import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { natChainsFor } from '../helpers/host-cleanup.js';
import { needsRoot } from '../helpers/root.js';
import { packBusybox } from '../helpers/busybox.js';
import { freePort, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pollUntil } from '../helpers/wait.js';
import { killTaskAndAwaitRestart } from '../helpers/tasks.js';
import { runFaasd } from '../helpers/faasd-process.js';
import { upTestStack, type LaunchedUp, type UpTestStack } from '../helpers/up-stack.js';
import { IpamStore } from '../../src/network/ipam-store.js';
import { listNetns } from '../../src/network/netns.js';
import { cniIpamDataDir, hostsFile, ipamStoreFile } from '../../src/config/index.js';

describe('faasd up', { skip: needsRoot }, () => {
  let stack: UpTestStack;
  let dir: string;
  let env: Record<string, string>;
  let ns: string;
  let store: IpamStore;
  let port: number;
  let chainsBefore: string[];
  let reg: TestRegistry | undefined;
  let relayImage: string;

  before(async () => {
    stack = await upTestStack('up', { bridgePrefix: 'fup', subnetBase: '10.201' });
    ({ dir, env } = stack);
    ns = stack.config.namespace;
    store = new IpamStore(ipamStoreFile(stack.config));
    await packBusybox(stack.core, 'faasd.test/busybox:1');
    // One service names an image containerd has no record of, in a registry: faasd up pulls it.
    reg = await startRegistry();
    relayImage = await reg.push(stack.core, 'faasd.test/busybox:1', 'core/busybox:1');
    port = await freePort();
    chainsBefore = await natChainsFor(ns);
    await writeFile(
      join(dir, 'docker-compose.yaml'),
      `version: "3.7"
services:
  web:
    image: faasd.test/busybox:1
    command: ["sh", "-c", "echo hello-from-web > /www/index.html && exec httpd -f -p 80 -h /www"]
  relay:
    image: ${relayImage}
    depends_on: [web]
    environment:
      - GREETING=relay
    command: ["sh", "-c", "until wget -q -O /www/from-web http://web/index.html; do sleep 0.2; done; echo $$GREETING > /www/index.html; exec httpd -f -p 8080 -h /www"]
    ports:
      - "127.0.0.1:${port}:8080"
  idle:
    image: faasd.test/busybox:1
    command: sleep 3600
`,
    );
  });

  afterEach(async () => stack?.killAll());
  after(async () => {
    await stack?.dispose();
    await reg?.stop();
  });

  const startUp = async (): Promise<LaunchedUp> => {
    const p = stack.launch(join(dir, 'docker-compose.yaml'));
    const early = p.early;
    await stack.waitUp(p, 60_000);
    await pollUntil(
      'the relay page on the published port',
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/from-web`);
        return res.ok ? await res.text() : undefined;
      },
      { timeoutMs: 30_000, early },
    );
    return p;
  };

  const assertNothingLeft = async () => {
    const c = stack.core;
    assert.deepEqual(await c.containers.list(), []);
    assert.deepEqual(await c.tasks.list(), []);
    assert.deepEqual(
      (await c.snapshots.list()).filter((s) => s.kind !== 'COMMITTED'),
      [],
    );
    assert.deepEqual(
      (await listNetns()).filter((n) => n.startsWith(`${ns}-`)),
      [],
    );
    assert.deepEqual(await store.read(), []);
    assert.deepEqual(await natChainsFor(ns), chainsBefore);
  };

  it('starts three services in order, by name, with a published port; restarts a killed task; SIGTERM removes all', async () => {
    const p = await startUp();
    const page = await (await fetch(`http://127.0.0.1:${port}/from-web`)).text();
    assert.equal(page, 'hello-from-web\n');
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'relay\n');
    assert.ok(await stack.core.images.get(relayImage), 'faasd up pulled the relay image');

    const hosts = await readFile(hostsFile(stack.config), 'utf8');
    for (const name of ['web', 'relay', 'idle']) assert.match(hosts, new RegExp(`\\t${name}\\n`));

    const ls = await execa(
      'node',
      ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/main.ts'), 'net', 'ls', '--json'],
      { env: { ...process.env, ...env } },
    );
    assert.deepEqual((JSON.parse(ls.stdout) as { id: string }[]).map((r) => r.id).sort(), [
      'idle',
      'relay',
      'web',
    ]);

    const c = stack.core;
    assert.equal((await c.tasks.get('idle'))?.status, 'RUNNING');
    const { before, after } = await killTaskAndAwaitRestart(c, 'idle');
    assert.notEqual(after.pid, before?.pid);
    // Only the killed one was restarted: the periodic re-checks (every 5 s) left running tasks alone.
    assert.deepEqual(p.output().match(/service exited; restarting service=\w+/g), [
      'service exited; restarting service=idle',
    ]);

    p.proc.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output());
    await assertNothingLeft();
  });

  it('survives a containerd restart: reconnects and still restarts a killed task', async () => {
    const p = await startUp();
    await stack.ctd.restart();
    const c = stack.core;
    await pollUntil('idle to be seen after the restart', async () =>
      (await c.tasks.get('idle'))?.status === 'RUNNING' ? true : undefined,
    );
    // The exit event, the re-check after resubscribing, or the periodic one: the task must come back.
    await killTaskAndAwaitRestart(c, 'idle', 30_000).catch((err: unknown) => {
      throw new Error(`idle did not come back; faasd up said:\n${p.output()}`, { cause: err });
    });
    p.proc.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output());
    await assertNothingLeft();
  });

  it('after SIGKILL of faasd up, the next start replaces the leftovers and leaks nothing', async () => {
    const first = await startUp();
    first.proc.kill('SIGKILL');
    await first.exited;
    const second = await startUp();
    const records = await store.read();
    assert.deepEqual(records.map((r) => r.id).sort(), ['idle', 'relay', 'web']);
    const hostLocal = join(cniIpamDataDir(stack.config), 'openfaas-cni-bridge');
    // Addresses are reserved in the store's journal (static IPAM): host-local allocated none, and no
    // address is held twice.
    const allocated = (await readdir(hostLocal).catch(() => [])).filter((f) =>
      /^\d+\.\d+\.\d+\.\d+$/.test(f),
    );
    assert.deepEqual(allocated, []);
    assert.equal(new Set(records.map((r) => r.ip)).size, records.length);
    second.proc.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());
    await assertNothingLeft();
  });

  const bad = [
    {
      name: 'unknown field',
      yaml: 'services:\n  a:\n    image: x\n    privileged: true\n',
      want: /service "a": privileged: is not supported/,
    },
    {
      name: 'cycle',
      yaml: 'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n',
      want: /depends_on: dependency cycle a -> b -> a/,
    },
    {
      name: 'unknown dependency',
      yaml: 'services:\n  a:\n    image: x\n    depends_on: [nope]\n',
      want: /service "a": depends_on: unknown service "nope"/,
    },
    {
      name: 'missing image',
      yaml: 'services:\n  a:\n    command: ["x"]\n',
      want: /service "a": image: is missing/,
    },
    {
      name: 'bad port',
      yaml: 'services:\n  a:\n    image: x\n    ports: ["70000:80"]\n',
      want: /service "a": ports: port "70000" is not 1-65535/,
    },
  ];
  for (const b of bad) {
    it(`refuses a compose file with a ${b.name}, starting nothing`, async () => {
      const file = join(dir, `bad-${b.name.replace(/ /g, '-')}.yaml`);
      await writeFile(file, b.yaml);
      const p = runFaasd(['up', '--compose', file, '--no-provider'], env);
      const code = await p.exited;
      assert.equal(code, 2);
      const lines = p.output().trim().split('\n');
      assert.equal(lines.length, 1, p.output());
      assert.match(lines[0] ?? '', b.want);
      assert.deepEqual(await stack.core.containers.list(), []);
    });
  }
});
