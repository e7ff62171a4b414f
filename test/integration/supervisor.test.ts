import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { natChainsFor } from '../helpers/host-cleanup.js';
import { needsRoot } from '../helpers/root.js';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { packBusybox } from '../helpers/busybox.js';
import { freePort, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pollUntil } from '../helpers/wait.js';
import { killTaskAndAwaitRestart } from '../helpers/tasks.js';
import { runFaasd, type FaasdProcess } from '../helpers/faasd-process.js';
import { networkFromConfig } from '../../src/network/index.js';
import { IpamStore } from '../../src/network/ipam-store.js';
import { listNetns } from '../../src/network/netns.js';
import { resolveConfig } from '../../src/config/index.js';
import { ContainerRuntime } from '../../src/runtime/index.js';

describe('faasd up', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let dir: string;
  let env: Record<string, string>;
  let ns: string;
  let bridge: string;
  let port: number;
  let chainsBefore: string[];
  let reg: TestRegistry | undefined;
  let relayImage: string;
  const running: FaasdProcess[] = [];

  before(async () => {
    ctd = await startContainerd('up');
    dir = await mkdtemp('/tmp/faasd-test-up-');
    const tag = randomBytes(2).toString('hex');
    ns = `up${tag}`;
    bridge = `fup${tag}`;
    env = {
      FAASD_CONTAINERD_ADDRESS: ctd.address,
      FAASD_NAMESPACE: ns,
      FAASD_STATE_DIR: join(dir, 'state'),
      FAASD_BRIDGE: bridge,
      FAASD_SUBNET: `10.201.${randomBytes(1)[0] ?? 1}.0/24`,
      FAASD_CNI_PATH: '/usr/lib/cni:/opt/cni/bin',
    };
    await packBusybox(ctd.client.inNamespace(ns), 'faasd.test/busybox:1');
    // One service names an image containerd has no record of, in a registry: faasd up pulls it.
    reg = await startRegistry();
    relayImage = await reg.push(ctd.client.inNamespace(ns), 'faasd.test/busybox:1', 'core/busybox:1');
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

  after(async () => {
    for (const p of running) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
    // Whatever a failed test left: containers, attachments, netns.
    if (env) {
      const cfg = resolveConfig({}, env, {});
      const network = networkFromConfig(cfg);
      const runtime = new ContainerRuntime(ctd.client, {
        logDir: join(dir, 'logs'),
        network,
        stopGraceMs: 500,
      });
      for (const c of await ctd.client.inNamespace(ns).containers.list()) {
        await runtime.remove(ns, c.id).catch(() => undefined);
      }
      await network.reconcile(async () => false).catch(() => undefined);
      await network.removeBridge(); // and its localnet guard
    }
    await execa('ip', ['link', 'del', bridge], { reject: false });
    await ctd?.stop();
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const startUp = async (): Promise<FaasdProcess> => {
    const p = runFaasd(['up', '--compose', join(dir, 'docker-compose.yaml'), '--no-provider'], env);
    running.push(p);
    const early = p.exited.then((code) => {
      throw new Error(`faasd up exited (${code}): ${p.output()}`);
    });
    early.catch(() => undefined);
    await pollUntil(
      'faasd up to say the stack is up',
      async () => (p.output().includes('stack is up') ? true : undefined),
      {
        timeoutMs: 60_000,
        early,
      },
    );
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
    const c = ctd.client.inNamespace(ns);
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
    assert.deepEqual(await new IpamStore(join(env.FAASD_STATE_DIR ?? '', 'network', 'ipam.json')).read(), []);
    assert.deepEqual(await natChainsFor(ns), chainsBefore);
  };

  it('starts three services in order, by name, with a published port; restarts a killed task; SIGTERM removes all', async () => {
    const p = await startUp();
    const page = await (await fetch(`http://127.0.0.1:${port}/from-web`)).text();
    assert.equal(page, 'hello-from-web\n');
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'relay\n');
    assert.ok(await ctd.client.inNamespace(ns).images.get(relayImage), 'faasd up pulled the relay image');

    const hosts = await readFile(join(env.FAASD_STATE_DIR ?? '', 'hosts'), 'utf8');
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

    const c = ctd.client.inNamespace(ns);
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
    await ctd.restart();
    const c = ctd.client.inNamespace(ns);
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
    const store = await new IpamStore(join(env.FAASD_STATE_DIR ?? '', 'network', 'ipam.json')).read();
    assert.deepEqual(store.map((r) => r.id).sort(), ['idle', 'relay', 'web']);
    const hostLocal = join(env.FAASD_STATE_DIR ?? '', 'cni', 'networks', 'openfaas-cni-bridge');
    const allocated = (await readdir(hostLocal)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)).sort();
    assert.deepEqual(allocated, store.map((r) => r.ip).sort());
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
      assert.deepEqual(await ctd.client.inNamespace(ns).containers.list(), []);
    });
  }
});
