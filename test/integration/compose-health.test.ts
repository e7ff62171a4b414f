import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { needsRoot } from '../helpers/root.js';
import { packBusybox } from '../helpers/busybox.js';
import { packNamedUserImage } from '../helpers/named-user-image.js';
import { pollUntil } from '../helpers/wait.js';
import { killTaskAndAwaitRestart } from '../helpers/tasks.js';
import { upTestStack, type UpTestStack } from '../helpers/up-stack.js';

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
    let stack: UpTestStack;
    let dir: string;

    before(async () => {
      stack = await upTestStack('health', { bridgePrefix: 'fhc', subnetBase: '10.207' });
      dir = stack.dir;
      await packBusybox(stack.core, 'faasd.test/busybox:1');
      // As an OpenFaaS image: USER app (named, non-root); the health check runs as that user too.
      await packNamedUserImage(stack.core, 'faasd.test/app-user:1');
    });

    afterEach(async () => stack?.killAll());
    after(async () => stack?.dispose());

    it('starts a service_healthy dependant only after its dependency is healthy; restart: "no" stays down', async () => {
      const file = join(dir, 'healthy.yaml');
      await writeFile(
        file,
        `services:
  db:
    image: faasd.test/app-user:1
    # A slow starter: ready two seconds after it starts. Its check prints (as curl or wget -O - do):
    # output must not fail it.
    command: ["sh", "-c", "sleep 2; echo ready > /tmp/ready; exec sleep 3600"]
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
      const p = stack.launch(file);
      const early = p.early;
      await stack.waitUp(p);
      const out = p.output();
      const healthy = lineOf(out, 'service healthy', 'service=db');
      const dependant = lineOf(out, 'started service', 'service=app');
      assert.ok(healthy >= 0 && dependant > healthy, `db healthy, then app started:\n${out}`);
      assert.ok(lineOf(out, 'started service', 'service=db') < healthy);
      const c = stack.core;
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
      const p = stack.launch(file);
      assert.equal(await p.exited, 1, p.output().slice(-2000));
      const last = p.output().trim().split('\n').at(-1) ?? '';
      assert.match(
        last,
        /service "app" not started: depends_on "db" \(service_healthy\): unhealthy after 2 failed health checks \(last: exit status 1\)/,
      );
      assert.equal(count(p.output(), 'started service', 'service=app'), 0);
      assert.deepEqual(await stack.core.containers.list(), []);
    });
  },
);
