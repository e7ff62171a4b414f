import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { Containerd } from '../../src/containerd/index.js';
import { pollUntil } from './wait.js';

export interface TestContainerd {
  dir: string;
  address: string;
  client: Containerd;
  /** Stops containerd (its shims and tasks live on) and starts it again on the same root and socket. */
  restart(): Promise<void>;
  /** Stops the daemon only (shims and tasks live on), for an outage of the test's own length. */
  halt(): Promise<void>;
  /** SIGKILLs containerd (a crash: shims and tasks live on) and waits until it has exited. */
  kill9(): Promise<void>;
  /** Starts a halted or killed daemon again on the same root and socket (a no-op while it runs). */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

function exited(proc: ChildProcess, what: string): Promise<never> {
  return new Promise((_, reject) =>
    proc.once('exit', (code) => reject(new Error(`${what} exited early (${code})`))),
  );
}

/** Starts a private containerd (temp root, state and socket); `stop` removes all it ran and made. */
export async function startContainerd(name: string): Promise<TestContainerd> {
  const dir = await mkdtemp(`/tmp/faasd-test-${name}-`);
  const address = join(dir, 'containerd.sock');
  await writeFile(
    join(dir, 'config.toml'),
    [
      'version = 2',
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${address}"`,
      '[ttrpc]',
      `  address = "${address}.ttrpc"`,
      '',
    ].join('\n'),
  );
  const client = Containerd.connect(address, 'default');
  const launch = async (): Promise<ChildProcess> => {
    const p = spawn('containerd', ['--config', join(dir, 'config.toml')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const logs: Buffer[] = [];
    p.stderr?.on('data', (c: Buffer) => logs.push(c));
    const early = exited(p, 'containerd');
    early.catch(() => undefined);
    try {
      await pollUntil('containerd to answer', async () => (await client.version()).version, { early });
    } catch (err) {
      p.kill('SIGKILL');
      throw new Error(`containerd did not start: ${Buffer.concat(logs).toString().slice(-2000)}`, {
        cause: err,
      });
    }
    return p;
  };
  let proc = await launch();
  // A process ended by a signal has exitCode null and signalCode set: either means it has gone.
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  const halt = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (gone()) return;
    proc.kill(signal);
    await new Promise((r) => (gone() ? r(null) : proc.once('exit', r)));
  };
  return {
    dir,
    address,
    client,
    async restart() {
      await halt();
      proc = await launch();
    },
    halt: () => halt(),
    async kill9() {
      await halt('SIGKILL');
    },
    async resume() {
      if (gone()) proc = await launch();
    },
    async stop() {
      await removeEverything(client).catch(() => undefined);
      client.close();
      await halt();
      // Shims outlive containerd by design; end the ones this instance started.
      await execa('pkill', ['-9', '-f', `containerd-shim-runc-v2 .*-address ${address}`], { reject: false });
      await unmountBelow(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function removeEverything(client: Containerd): Promise<void> {
  for (const ns of await client.namespaces.list()) {
    const c = client.inNamespace(ns.name);
    for (const t of await c.tasks.list()) {
      await c.tasks.kill(t.containerId, 9, true);
      await pollUntil(
        'task to stop',
        async () => ((await c.tasks.get(t.containerId))?.status === 'RUNNING' ? undefined : true),
        {
          timeoutMs: 5000,
        },
      ).catch(() => undefined);
      await c.tasks.delete(t.containerId).catch(() => undefined);
    }
    for (const ctr of await c.containers.list()) await c.containers.delete(ctr.id);
  }
}

async function unmountBelow(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(dir))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await execa('umount', ['-l', m], { reject: false });
}
