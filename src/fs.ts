/** File writes that a crash or a reader never sees half done. */
import { open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes beside the old file, fsyncs, renames over it, then fsyncs the directory (so the rename itself
 * survives a power loss): a crash leaves the old content or the new, never half of either. The new file
 * is a new inode, so do not use this for a file bind-mounted into containers: see writeInPlace.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  // Unique per writer, so two processes writing the same file never share a temp file.
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}`);
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * Rewrites a file in place, keeping its inode, and only when the content changed. For files bind-mounted
 * into running containers (hosts, resolv.conf): a bind mount pins the inode it was given, so a rename
 * over the file would leave every container reading the old one. The price: a reader may see a short
 * file mid-write, and a crash mid-write leaves it short until the next rewrite (both are rewritten from
 * their sources at every start).
 */
export async function writeInPlace(path: string, content: string, mode = 0o644): Promise<void> {
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current !== content) await writeFile(path, content, { mode });
}
