import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Containerd } from '../../src/containerd/index.js';
import { exportImages } from '../../src/image/index.js';
import { pollUntil } from './wait.js';

export interface TestRegistry {
  host: string;
  storage: string;
  /** Copies an image from containerd to `<host>/<repoTag>` (OCI archive export, then skopeo). */
  push(ctd: Containerd, image: string, repoTag: string): Promise<string>;
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
    async push(ctd, image, repoTag) {
      const archive = join(dir, `push-${repoTag.replace(/[^\w.-]/g, '_')}.tar`);
      await exportImages(ctd, [image], archive);
      const ref = `${host}/${repoTag}`;
      await execa('skopeo', ['copy', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${ref}`]);
      await rm(archive, { force: true });
      return ref;
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
