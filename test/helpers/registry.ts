import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pollUntil } from './wait.js';

export interface TestRegistry {
  host: string;
  storage: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Debian's docker-registry on 127.0.0.1:<random port> with storage in a temp dir. */
export async function startRegistry(): Promise<TestRegistry> {
  const dir = await mkdtemp('/tmp/faasd-test-registry-');
  const port = await freePort();
  const storage = join(dir, 'storage');
  await writeFile(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const proc = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const early = new Promise<never>((_, reject) =>
    proc.once('exit', (c) => reject(new Error(`registry exited (${c})`))),
  );
  early.catch(() => undefined);
  const host = `127.0.0.1:${port}`;
  await pollUntil(
    'registry to answer',
    async () => ((await fetch(`http://${host}/v2/`)).ok ? true : undefined),
    { early },
  );
  return {
    host,
    storage,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
