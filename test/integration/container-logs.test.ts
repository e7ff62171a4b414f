import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ContainerRuntime, parseLogLine, type LogLine } from '../../src/runtime/index.js';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { packNamedUserImage } from '../helpers/named-user-image.js';
import { needsRoot } from '../helpers/root.js';
import { pollUntil } from '../helpers/wait.js';

const NS = 'logs-test';

async function linesOf(path: string): Promise<LogLine[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => parseLogLine(l))
    .filter((l): l is LogLine => l !== undefined);
}

const texts = (lines: LogLine[]) => lines.map((l) => `${l.stream} ${l.text}`);

/** Log handling without a helper process per container (issue #16 item 1). */
describe('container logs read by the daemon through FIFOs', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let work: string;
  let image: string;

  before(async () => {
    ctd = await startContainerd('logs');
    work = await mkdtemp('/tmp/faasd-test-logs-');
    const c = ctd.client.inNamespace(NS);
    await c.namespaces.ensure(NS);
    image = (await packNamedUserImage(c, 'test/logs-app:1')).name;
  });
  after(async () => {
    await ctd?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('runs no helper process beside a container: the shim has the task as its only child', async () => {
    const runtime = new ContainerRuntime(ctd.client, { logDir: join(work, 'alone'), stopGraceMs: 500 });
    try {
      const running = await runtime.run({ namespace: NS, id: 'alone', image, args: ['sleep', '600'] });
      const shims = await execa('pgrep', ['-f', `containerd-shim-runc-v2 .*-address ${ctd.address}$`]);
      const children = await execa('pgrep', ['-P', shims.stdout.trim().split('\n').join(',')]);
      assert.deepEqual(children.stdout.trim().split('\n').map(Number), [running.pid]);
      await runtime.remove(NS, 'alone');
    } finally {
      await runtime.close();
    }
  });

  it('keeps every line of a container that prints on both streams and exits at once (20 runs)', async () => {
    const runtime = new ContainerRuntime(ctd.client, { logDir: join(work, 'exit'), stopGraceMs: 500 });
    try {
      for (let i = 0; i < 20; i++) {
        const id = `burst${i}`;
        const running = await runtime.run({
          namespace: NS,
          id,
          image,
          // The last line on each stream has no newline: it must still arrive, as a line.
          args: [
            'sh',
            '-c',
            'for n in 1 2 3 4 5; do echo out$n; echo err$n >&2; done; printf last-out; printf last-err >&2',
          ],
        });
        assert.equal((await runtime.wait(NS, id)).exitStatus, 0);
        await runtime.stop(NS, id);
        const got = texts(await linesOf(running.logPath));
        const want = [1, 2, 3, 4, 5].flatMap((n) => [`stdout out${n}`, `stderr err${n}`]);
        assert.deepEqual(
          got.filter((l) => l.startsWith('stdout')),
          [...want.filter((l) => l.startsWith('stdout')), 'stdout last-out'],
          `run ${i}`,
        );
        assert.deepEqual(
          got.filter((l) => l.startsWith('stderr')),
          [...want.filter((l) => l.startsWith('stderr')), 'stderr last-err'],
          `run ${i}`,
        );
        await runtime.remove(NS, id);
      }
    } finally {
      await runtime.close();
    }
  });

  it('loses and blocks nothing across a restart of the reading process', async () => {
    const logDir = join(work, 'restart');
    const first = new ContainerRuntime(ctd.client, { logDir, stopGraceMs: 500 });
    const ids = ['steady0', 'steady1', 'steady2'];
    // Each prints a numbered line when /tmp/go-N appears: the test decides when lines are printed.
    const script =
      'n=0; while [ $n -lt 3 ]; do if [ -e /tmp/go-$n ]; then echo line$n; echo eline$n >&2; n=$((n+1)); fi; sleep 0.05; done; sleep 600';
    const paths = new Map<string, string>();
    let second: ContainerRuntime | undefined;
    try {
      for (const id of ids)
        paths.set(id, (await first.run({ namespace: NS, id, image, args: ['sh', '-c', script] })).logPath);
      const c = ctd.client.inNamespace(NS);
      const go = async (n: number) => {
        for (const id of ids) {
          await c.tasks.exec({
            containerId: id,
            execId: `go${n}`,
            process: {
              args: ['touch', `/tmp/go-${n}`],
              cwd: '/',
              env: ['PATH=/bin'],
              user: { uid: 12000, gid: 12000 },
              terminal: false,
            },
          });
          await c.tasks.start(id, `go${n}`);
          await c.tasks.wait(id, undefined, `go${n}`);
          await c.tasks.deleteProcess(id, `go${n}`);
        }
      };
      const upTo = (n: number) =>
        Array.from({ length: n }, (_, i) => [`stdout line${i}`, `stderr eline${i}`])
          .flat()
          .sort();
      const arrived = (n: number) =>
        pollUntil(`lines 0..${n - 1} in every log`, async () => {
          for (const id of ids)
            if (JSON.stringify(texts(await linesOf(paths.get(id) ?? '')).sort()) !== JSON.stringify(upTo(n)))
              return undefined;
          return true;
        });
      await go(0);
      await arrived(1);
      await first.close();
      await go(1); // printed while no one reads: the FIFOs hold it
      second = new ContainerRuntime(ctd.client, { logDir, stopGraceMs: 500 });
      assert.deepEqual(
        (await second.resumeLogs()).sort(),
        ids.map((id) => `${NS}/${id}`),
      );
      await arrived(2);
      await go(2);
      await arrived(3);
    } finally {
      for (const id of ids) await (second ?? first).remove(NS, id).catch(() => undefined);
      await second?.close();
      await first.close();
    }
  });
});
