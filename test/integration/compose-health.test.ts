import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { needsRoot } from '../helpers/root.js';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { packBusybox } from '../helpers/busybox.js';
import { packNamedUserImage } from '../helpers/named-user-image.js';
import { pollUntil } from '../helpers/wait.js';
import { killTaskAndAwaitRestart } from '../helpers/tasks.js';
import { runFaasd, type FaasdProcess } from '../helpers/faasd-process.js';
import { removeTestStack } from '../helpers/host-cleanup.js';
import { resolveConfig } from '../../src/config/index.js';

/** Index of the first log line containing every one of `parts`, or -1. */
function lineOf(output: string, ...parts: string[]): number {
  return output.split('\n').findIndex((l) => parts.every((p) => l.includes(p)));
}

const count = (output: string, ...parts: string[]) =>
  output.split('\n').filter((l) => parts.every((p) => l.includes(p))).length;

describe(
  'faasd up: restart: and healthcheck: with depends_on conditions (#13 item 6)',
  { skip: needsRoot },
  () => {
    let ctd: TestContainerd;
    let dir: string;
    let env: Record<string, string>;
    let ns: string;
    const running: FaasdProcess[] = [];

    before(async () => {
      ctd = await startContainerd('health');
      dir = await mkdtemp('/tmp/faasd-test-health-');
      const tag = randomBytes(2).toString('hex');
      ns = `hc${tag}`;
      env = {
        FAASD_CONTAINERD_ADDRESS: ctd.address,
        FAASD_NAMESPACE: ns,
        FAASD_STATE_DIR: join(dir, 'state'),
        FAASD_BRIDGE: `fhc${tag}`,
        FAASD_SUBNET: `10.207.${randomBytes(1)[0] ?? 1}.0/24`,
        FAASD_CNI_PATH: '/usr/lib/cni:/opt/cni/bin',
      };
      const c = ctd.client.inNamespace(ns);
      await packBusybox(c, 'faasd.test/busybox:1');
      // As an OpenFaaS image: USER app (named, non-root); the health check runs as that user too.
      await packNamedUserImage(c, 'faasd.test/app-user:1');
    });

    after(async () => {
      for (const p of running) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
      if (env) await removeTestStack(ctd, resolveConfig({}, env, {}), dir).catch(() => undefined);
      await ctd?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const start = (file: string): { p: FaasdProcess; early: Promise<never> } => {
      const p = runFaasd(['up', '--compose', file], env);
      running.push(p);
      const early = p.exited.then((code) => {
        throw new Error(`faasd up exited (${code}): ${p.output().slice(-3000)}`);
      });
      early.catch(() => undefined);
      return { p, early };
    };

    it('starts a service_healthy dependant only after its dependency is healthy; restart: "no" stays down', async () => {
      const file = join(dir, 'healthy.yaml');
      await writeFile(
        file,
        `services:
  db:
    image: faasd.test/app-user:1
    # A slow starter: ready two seconds after it starts.
    command: ["sh", "-c", "sleep 2; touch /tmp/ready; exec sleep 3600"]
    healthcheck:
      test: ["CMD", "cat", "/tmp/ready"]
      interval: 300ms
      timeout: 5s
      retries: 3
      start_period: 60s
  app:
    image: faasd.test/app-user:1
    command: sleep 3600
    depends_on:
      db:
        condition: service_healthy
  once:
    image: faasd.test/busybox:1
    restart: "no"
    command: ["sh", "-c", "exit 3"]
  idle:
    image: faasd.test/busybox:1
    command: sleep 3600
`,
      );
      const { p, early } = start(file);
      await pollUntil(
        'the stack to be up',
        async () => (p.output().includes('stack is up') ? true : undefined),
        {
          timeoutMs: 90_000,
          early,
        },
      );
      const out = p.output();
      const healthy = lineOf(out, 'service healthy', 'service=db');
      const dependant = lineOf(out, 'started service', 'service=app');
      assert.ok(healthy >= 0 && dependant > healthy, `db healthy, then app started:\n${out}`);
      assert.ok(lineOf(out, 'started service', 'service=db') < healthy);
      const c = ctd.client.inNamespace(ns);
      assert.equal((await c.tasks.get('app'))?.status, 'RUNNING');

      await pollUntil(
        'once to be left down',
        async () =>
          lineOf(p.output(), 'service exited; not restarting', 'service=once') >= 0 ? true : undefined,
        { timeoutMs: 30_000, early },
      );
      // The supervisor still restarts what should run (so its re-checks go on) and not once.
      await killTaskAndAwaitRestart(c, 'idle', 30_000);
      const task = await c.tasks.get('once');
      assert.equal(task?.status, 'STOPPED');
      assert.equal(task.exitStatus, 3);
      assert.equal(count(p.output(), 'started service', 'service=once'), 1);
      assert.equal(count(p.output(), 'service exited; restarting', 'service=once'), 0);

      p.proc.kill('SIGTERM');
      assert.equal(await p.exited, 0, p.output().slice(-2000));
      assert.deepEqual(await c.containers.list(), []);
    });

    it('a dependency that never gets healthy fails faasd up, naming it, and leaves nothing', async () => {
      const file = join(dir, 'unhealthy.yaml');
      await writeFile(
        file,
        `services:
  db:
    image: faasd.test/app-user:1
    command: sleep 3600
    healthcheck:
      test: ["CMD-SHELL", "test -f /tmp/never"]
      interval: 200ms
      timeout: 5s
      retries: 2
  app:
    image: faasd.test/app-user:1
    command: sleep 3600
    depends_on:
      db:
        condition: service_healthy
`,
      );
      const { p } = start(file);
      assert.equal(await p.exited, 1, p.output().slice(-2000));
      const last = p.output().trim().split('\n').at(-1) ?? '';
      assert.match(
        last,
        /service "app" not started: depends_on "db" \(service_healthy\): unhealthy after 2 failed health checks \(last: exit status 1\)/,
      );
      assert.equal(count(p.output(), 'started service', 'service=app'), 0);
      assert.deepEqual(await ctd.client.inNamespace(ns).containers.list(), []);
    });
  },
);
