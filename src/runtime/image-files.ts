import { randomBytes } from 'node:crypto';
import { lstat, mkdtemp, open, readlink, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { execa } from 'execa';
import type { Containerd, Mount } from '../containerd/index.js';
import { InternalError, InvalidArgumentError } from '../errors.js';

/** passwd and group are small; a bigger one is a broken or hostile image, not something to buffer. */
const MAX_FILE_BYTES = 1024 * 1024;
/** As Linux's MAXSYMLINKS: a loop of links ends with an error instead of spinning. */
const MAX_LINKS = 40;

/**
 * Reads small files from an image's unpacked rootfs, as containerd's WithUser does: a read-only view
 * of the image's top snapshot, mounted in a temp dir (the overlayfs snapshotter gives a single-layer
 * image a plain bind, read in place). The view lives under a lease and is removed before returning.
 * A file that is absent reads as undefined.
 */
export async function readImageFiles(
  ctd: Containerd,
  image: { name: string; chainId: string },
  paths: string[],
  owner: string,
): Promise<(string | undefined)[]> {
  if (!image.chainId) return paths.map(() => undefined);
  const key = `faasd-view ${owner} ${randomBytes(4).toString('hex')}`;
  return ctd.leases.with('faasd-view', async (lease) => {
    const mounts = await ctd.snapshots.view(key, image.chainId, {}, { lease });
    try {
      return await withMounted(mounts, (root) =>
        Promise.all(paths.map((p) => readInRoot(root, p, image.name))),
      );
    } finally {
      await ctd.snapshots.remove(key);
    }
  });
}

async function withMounted<T>(mounts: Mount[], fn: (root: string) => Promise<T>): Promise<T> {
  const [m, ...more] = mounts;
  if (!m || more.length > 0)
    throw new InternalError(`expected one mount for an image view, got ${mounts.length}`);
  if (m.type === 'bind') return fn(m.source);
  const dir = await mkdtemp(join(tmpdir(), 'faasd-rootfs-'));
  try {
    const options = [...new Set(['ro', ...m.options])].join(',');
    await execa('mount', ['-t', m.type, '-o', options, m.source, dir], { timeout: 10_000 });
    try {
      return await fn(dir);
    } finally {
      await execa('umount', [dir], { timeout: 10_000 });
    }
  } finally {
    await rmdir(dir).catch(() => undefined);
  }
}

/**
 * Reads `path` as seen from inside `root`: symbolic links are followed within the root (an absolute
 * target starts again at the root), never out to the host's files.
 */
export async function readInRoot(root: string, path: string, image: string): Promise<string | undefined> {
  let rest = path.split('/').filter((p) => p !== '');
  let resolved: string[] = [];
  let links = 0;
  while (rest.length > 0) {
    const [part = '', ...tail] = rest;
    rest = tail;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const host = join(root, ...resolved, part);
    const st = await lstat(host).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (!st) return undefined;
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS)
        throw new InvalidArgumentError('user', `image ${image}: ${path}: too many links`);
      const target = await readlink(host);
      if (target.startsWith('/')) resolved = [];
      rest = [...target.split('/').filter((p) => p !== ''), ...rest];
      continue;
    }
    resolved.push(part);
  }
  return readBounded(join(root, ...resolved), posix.join('/', ...resolved), image);
}

async function readBounded(host: string, inImage: string, image: string): Promise<string | undefined> {
  const st = await lstat(host);
  if (!st.isFile()) return undefined;
  if (st.size > MAX_FILE_BYTES) {
    throw new InvalidArgumentError(
      'user',
      `image ${image}: ${inImage} is ${st.size} bytes (at most ${MAX_FILE_BYTES})`,
    );
  }
  const fh = await open(host, 'r');
  try {
    // Never more than the size checked above, even if the file grew since.
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}
