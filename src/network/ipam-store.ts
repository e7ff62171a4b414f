import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, basename } from 'node:path';
import lockfile from 'proper-lockfile';
import { InternalError } from '../errors.js';
import { writeFileAtomic } from '../fs.js';
import type { PortMapping } from '../runtime/index.js';

/** One container's attachment to the faasd network. `pending` = ADD begun and not finished. */
export interface AttachmentRecord {
  namespace: string;
  id: string;
  /** Path of the netns; its base name is the netns name. */
  netns: string;
  /**
   * The CNI container ID ADD was given. Absent in records made before IDs had a separator: those used
   * the netns name (`<namespace>-<id>`), which `cniIdsOf` falls back to.
   */
  containerId?: string;
  ifname: string;
  state: 'pending' | 'attached';
  ip?: string;
  prefix?: number;
  gateway?: string;
  mac?: string;
  portMappings?: PortMapping[];
  /** The final CNI ADD result, given back to the plugins as prevResult on DEL. */
  result?: unknown;
  createdAt: string;
}

/** The netns name and CNI container ID a record was attached under: DEL must use these, whatever the naming now. */
export function cniIdsOf(r: AttachmentRecord): { netnsName: string; containerId: string } {
  const netnsName = basename(r.netns);
  return { netnsName, containerId: r.containerId ?? netnsName };
}

interface StoreFile {
  version: 1;
  records: AttachmentRecord[];
}

/** The JSON record of every network attachment; every read-modify-write holds its lock. */
export class IpamStore {
  /**
   * The last parse, kept while the file is the same one: every write is a rename of a new file, so a
   * changed inode, size or change time means another read. At a thousand attachments a parse costs
   * milliseconds, and invoke routing and status look an address up per replica (issue #16).
   */
  private cached:
    { key: string; records: readonly AttachmentRecord[]; byId: Map<string, AttachmentRecord> } | undefined;

  constructor(readonly path: string) {}

  private async load(): Promise<{
    records: readonly AttachmentRecord[];
    byId: Map<string, AttachmentRecord>;
  }> {
    let key: string;
    let text: string;
    try {
      const st = await stat(this.path, { bigint: true });
      key = `${st.ino}:${st.size}:${st.ctimeNs}:${st.mtimeNs}`;
      if (this.cached?.key === key) return this.cached;
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], byId: new Map() };
      throw err;
    }
    const parsed = JSON.parse(text) as StoreFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.records)) {
      throw new InternalError(`IPAM store ${this.path} has an unknown format`);
    }
    const byId = new Map<string, AttachmentRecord>();
    for (const r of parsed.records)
      if (!byId.has(`${r.namespace}/${r.id}`)) byId.set(`${r.namespace}/${r.id}`, r);
    // Keyed by the stat taken before the read: a write in between makes the next stat differ.
    this.cached = { key, records: parsed.records, byId };
    return this.cached;
  }

  /** Every record; callers get their own array (the records themselves are not to be changed). */
  async read(): Promise<AttachmentRecord[]> {
    return [...(await this.load()).records];
  }

  /**
   * Holders in this process queue here first, so the file lock is contended only between processes:
   * fifty deploys at once polling the file lock (waits of up to 100 ms each, 300 tries) left some
   * without it after ~30 s at a few hundred records (issue #16, bench/density).
   */
  private local: Promise<void> = Promise.resolve();

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.local;
    let done = () => {};
    this.local = new Promise<void>((r) => (done = r));
    await before;
    try {
      return await this.withFileLock(fn);
    } finally {
      done();
    }
  }

  private async withFileLock<T>(fn: () => Promise<T>): Promise<T> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o755 });
    // A process killed while holding the lock leaves it behind: it is stale after 5 s (the holder
    // refreshes it every second), and a waiter retries for longer than that, so the next start proceeds.
    const release = await lockfile.lock(this.path, {
      realpath: false,
      stale: 5_000,
      update: 1_000,
      retries: { retries: 300, minTimeout: 5, maxTimeout: 100, factor: 1.5 },
      // Compromised = our lock went stale under us (a stall over 5 s). Writes stay atomic renames; a
      // crashed daemon would be worse than one lost update, so it is not thrown.
      onCompromised: () => undefined,
    });
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  /**
   * Read-modify-write under the lock. `fn` returns the new records; `after` runs still under the lock
   * with them (the hosts file is regenerated there, so it always matches the store).
   */
  async update(
    fn: (records: AttachmentRecord[]) => AttachmentRecord[],
    after?: (records: AttachmentRecord[]) => Promise<void>,
  ): Promise<AttachmentRecord[]> {
    return this.withLock(async () => {
      const next = fn(await this.read());
      const file: StoreFile = { version: 1, records: next };
      await writeFileAtomic(this.path, JSON.stringify(file, null, 2) + '\n');
      if (after) await after(next);
      return next;
    });
  }

  async find(namespace: string, id: string): Promise<AttachmentRecord | undefined> {
    return (await this.load()).byId.get(`${namespace}/${id}`);
  }
}
