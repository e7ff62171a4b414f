import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { pack as tarPack, type Header } from 'tar-stream';
import { posix } from 'node:path';

export interface LayerEntry {
  /** Absolute path inside the image. */
  path: string;
  mode: number;
  /** A file's bytes, for files written from memory (passwd, config). */
  content?: Buffer;
  /** A file's bytes read from the host while the layer streams; `size` from stat, checked on read. */
  source?: { hostPath: string; size: number };
  type: 'file' | 'directory' | 'symlink';
  linkname?: string;
  uid?: number;
  gid?: number;
}

/** A fixed time so the same inputs make the same layer digest (and a second pack is a no-op). */
const EPOCH = new Date(0);

/** The entries with their parent directories added as needed, in sorted order (a later entry wins). */
export function layerOrder(entries: LayerEntry[]): LayerEntry[] {
  const all = new Map<string, LayerEntry>();
  for (const e of entries) {
    let dir = posix.dirname(e.path);
    while (dir !== '/' && !all.has(dir)) {
      all.set(dir, { path: dir, mode: 0o755, type: 'directory' });
      dir = posix.dirname(dir);
    }
    all.set(e.path, e);
  }
  return [...all.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A layer entry's tar header: fixed owner (root unless set) and mtime, so the bytes depend only on the entry. */
export function tarHeader(e: LayerEntry, size: number): Partial<Header> & { name: string } {
  return {
    name: e.path.replace(/^\//, '') + (e.type === 'directory' ? '/' : ''),
    mode: e.mode,
    mtime: EPOCH,
    uid: e.uid ?? 0,
    gid: e.gid ?? 0,
    type: e.type,
    size,
    ...(e.linkname ? { linkname: e.linkname } : {}),
  };
}

/**
 * Builds an uncompressed tar layer in memory, from entries whose files carry their `content`. Kept for
 * small layers written from memory (tests' images); host files go through `tarStream` (tar-stream.ts),
 * which makes the same bytes for the same entries.
 */
export async function buildTar(entries: LayerEntry[]): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const finished = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const e of layerOrder(entries)) {
    if (e.source) throw new Error(`buildTar: ${e.path} names a host file; use tarStream`);
    const body = e.type === 'file' ? (e.content ?? Buffer.alloc(0)) : Buffer.alloc(0);
    await new Promise<void>((resolve, reject) =>
      p.entry(tarHeader(e, body.length), body, (err) => (err ? reject(err) : resolve())),
    );
  }
  p.finalize();
  await finished;
  return Buffer.concat(chunks);
}

/** A host file as a layer entry: its path, mode and size (symlinks followed: the image gets the bytes). */
export async function hostFile(hostPath: string, imagePath = hostPath): Promise<LayerEntry> {
  const st = await stat(hostPath);
  return { path: imagePath, mode: st.mode & 0o7777, source: { hostPath, size: st.size }, type: 'file' };
}

/** Every file, directory and symlink below a host directory, placed under `imageDir`. */
export async function hostTree(hostDir: string, imageDir: string): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  const walk = async (host: string, image: string): Promise<void> => {
    const st = await lstat(host);
    if (st.isSymbolicLink()) {
      out.push({ path: image, mode: 0o777, type: 'symlink', linkname: await readlink(host) });
    } else if (st.isDirectory()) {
      out.push({ path: image, mode: st.mode & 0o7777, type: 'directory' });
      for (const name of (await readdir(host)).sort())
        await walk(posix.join(host, name), posix.join(image, name));
    } else if (st.isFile()) {
      out.push(await hostFile(host, image));
    }
  };
  await walk(hostDir, imageDir);
  return out;
}
