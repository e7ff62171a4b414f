import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Bytes that do not depend on the run: the same fixture always makes the same layer digest. */
export function patternBytes(size: number, seed = 7): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) % 251;
  return out;
}

export interface PackFixture {
  dir: string;
  /** A 300,001-byte "binary" (not a multiple of 512, so the tar pads it), mode 0755. */
  binary: string;
  binaryBytes: Buffer;
  /** A tree: etc/app.conf (0640), etc/empty (0 bytes, 0600), etc/link → app.conf; directory mode 0750. */
  tree: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Host files for packing, with modes set explicitly so the layer does not depend on the umask. */
export async function makePackFixture(): Promise<PackFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'faasd-pack-fixture-'));
  const binary = join(dir, 'app');
  const binaryBytes = patternBytes(300_001);
  await writeFile(binary, binaryBytes);
  await chmod(binary, 0o755);
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'etc'), { recursive: true });
  await writeFile(join(tree, 'etc/app.conf'), 'listen: 8080\n');
  await chmod(join(tree, 'etc/app.conf'), 0o640);
  await writeFile(join(tree, 'etc/empty'), '');
  await chmod(join(tree, 'etc/empty'), 0o600);
  await symlink('app.conf', join(tree, 'etc/link'));
  await chmod(tree, 0o750);
  await chmod(join(tree, 'etc'), 0o750);
  return {
    dir,
    binary,
    binaryBytes,
    tree,
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}
