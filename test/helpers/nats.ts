import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { freePort } from './registry.js';
import { pollUntil } from './wait.js';

export interface TestNats {
  url: string;
  stop(): Promise<void>;
}

/** Debian's nats-server with JetStream on 127.0.0.1:<random> (or `port`), data in a temp dir. */
export async function startNats(o: { port?: number } = {}): Promise<TestNats> {
  const dir = await mkdtemp('/tmp/faasd-test-nats-');
  const [port, mon] = [o.port ?? (await freePort()), await freePort()];
  const proc = spawn(
    'nats-server',
    ['-a', '127.0.0.1', '-p', String(port), '-m', String(mon), '-js', '-sd', dir],
    { stdio: 'ignore' },
  );
  const early = new Promise<never>((_, reject) =>
    proc.once('exit', (c) => reject(new Error(`nats-server exited (${c})`))),
  );
  early.catch(() => undefined);
  await pollUntil(
    'nats-server JetStream',
    async () => ((await fetch(`http://127.0.0.1:${mon}/healthz?js-enabled-only=true`)).ok ? true : undefined),
    { early },
  );
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
