// The compiled function under test: bench/fn-server.c built with Debian's gcc (-static -O2) into a temp
// dir at bench time and packed as an image shaped like an OpenFaaS one (USER app, its own passwd).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Containerd } from '../src/containerd/index.js';
import { packImage, type PackedImage } from '../src/image/index.js';
import { APP_USER, appUserFiles } from '../test/helpers/named-user-image.js';

export const FN_SERVER_SOURCE = join(import.meta.dirname, 'fn-server.c');

/** Compiles fn-server.c to `out` (a static binary that needs nothing from the image). */
export async function compileFnServer(out: string): Promise<void> {
  await execa('gcc', ['-static', '-O2', '-Wall', '-o', out, FN_SERVER_SOURCE], { timeout: 120_000 });
}

/** Compiles a C source (static, -O2) and packs it as `/usr/bin/<binName>`, run as USER app. */
export async function packCompiledSource(
  ctd: Containerd,
  name: string,
  source: string,
  binName: string,
): Promise<PackedImage> {
  const dir = await mkdtemp(join(tmpdir(), 'faasd-bench-fn-'));
  try {
    const bin = join(dir, binName);
    await execa('gcc', ['-static', '-O2', '-Wall', '-o', bin, source], { timeout: 120_000 });
    return await packImage(ctd, {
      name,
      binaries: [{ hostPath: bin, imagePath: `/usr/bin/${binName}` }],
      files: appUserFiles(),
      dirs: [{ imagePath: '/tmp' }, { imagePath: APP_USER.home }],
      user: APP_USER.name,
      entrypoint: [`/usr/bin/${binName}`],
      exposedPorts: ['8080/tcp'],
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function packCompiledFunction(ctd: Containerd, name: string): Promise<PackedImage> {
  return packCompiledSource(ctd, name, FN_SERVER_SOURCE, 'fn-server');
}
