import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/**
 * A V8 code cache for the bundle: Node 20 has no `module.enableCompileCache` (22.1+), and compiling the
 * 2.6 MB bundle plus the functions a start runs took ~60-80 ms of `faasd up` (issue #12). The cache
 * file is a header line (our build's key, Node's version and arch) and V8's data.
 *
 *   hit       the cache was read and V8 accepted it
 *   missing   no cache file (first start, or never saved)
 *   stale     a cache of another build or Node: compiled without it
 *   rejected  V8 refused the data (other V8 flags, a damaged file): compiled without it
 *   untrusted the file or its folder is not ours alone: neither read nor written (V8 checks only the
 *             source's length, so whoever can write the file chooses the code that runs)
 *   off       no place for a cache
 */
export type CacheStatus = 'hit' | 'missing' | 'stale' | 'rejected' | 'untrusted' | 'off';

export interface CachedScript {
  script: Script;
  status: CacheStatus;
}

const MAGIC = 'faasd-v8-cache/1';

/** What a cache is valid for: one build of the bundle (`key`, a hash of its source) on one Node. */
export function cacheHeader(key: string): Buffer {
  return Buffer.from(`${MAGIC} ${key} ${process.version} ${process.arch}\n`, 'ascii');
}

/** Only a file and folder owned by this user, writable by no one else, are trusted. */
function ours(st: Stats, uid: number): boolean {
  return st.uid === uid && (st.mode & 0o022) === 0;
}

/** The folder's state: usable (exists and ours), absent (may be made), or someone else's. */
function folderState(dir: string, uid: number): 'ours' | 'absent' | 'untrusted' {
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch {
    return 'absent';
  }
  return st.isDirectory() && ours(st, uid) ? 'ours' : 'untrusted';
}

/** The cache's V8 data when the file is present, trusted and of this build; why not, otherwise. */
export function readCache(
  file: string,
  key: string,
  uid: number,
): { data: Buffer; status: 'hit' } | { status: Exclude<CacheStatus, 'hit' | 'rejected'> } {
  const folder = folderState(dirname(file), uid);
  if (folder !== 'ours') return { status: folder === 'absent' ? 'missing' : 'untrusted' };
  let fd: number;
  try {
    // O_NOFOLLOW: a symbolic link in our own folder is not something we wrote.
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    return { status: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'untrusted' };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || !ours(st, uid)) return { status: 'untrusted' };
    const bytes = readFileSync(fd);
    const head = cacheHeader(key);
    if (bytes.length <= head.length || !bytes.subarray(0, head.length).equals(head))
      return { status: 'stale' };
    return { data: bytes.subarray(head.length), status: 'hit' };
  } finally {
    closeSync(fd);
  }
}

/**
 * Compiles `source` (a CommonJS function expression, `Module.wrap`'s shape) with the cache when there
 * is a good one. A missing, stale or rejected cache costs only the compile it would have saved.
 */
export function compileCached(
  source: string,
  filename: string,
  cacheFile: string | undefined,
  key: string,
  uid: number,
): CachedScript {
  const read = cacheFile ? readCache(cacheFile, key, uid) : { status: 'off' as const };
  if (read.status !== 'hit') return { script: new Script(source, { filename }), status: read.status };
  const script = new Script(source, { filename, cachedData: read.data });
  return { script, status: script.cachedDataRejected === true ? 'rejected' : 'hit' };
}

/**
 * Writes the script's code cache (every function compiled so far: call it once the start is done, so
 * the functions a start runs are in it): header and data to a new file beside the old, synced, renamed
 * over it, so a reader sees the old cache or the new one. The folder is made 0700 and the file 0600.
 * Returns false, writing nothing, when the folder is not ours alone or its parent is missing.
 */
export function writeCache(script: Script, file: string, key: string, uid: number): boolean {
  const dir = dirname(file);
  const folder = folderState(dir, uid);
  if (folder === 'untrusted') return false;
  if (folder === 'absent') {
    try {
      mkdirSync(dir, { mode: 0o700 }); // not recursive: the state folder is faasd's to make
    } catch {
      return false;
    }
  }
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    for (const part of [cacheHeader(key), script.createCachedData()]) writeFileSync(fd, part);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
  return true;
}
