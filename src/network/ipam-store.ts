import { access, mkdir, open, stat } from 'node:fs/promises';
import { dirname, basename } from 'node:path';
import lockfile from 'proper-lockfile';
import {
  appendDurable,
  applyLines,
  compact,
  delLine,
  keyOf,
  migrateLegacy,
  putLine,
  type Cursor,
} from './ipam-journal.js';
import type { AddressRange } from './ipam-alloc.js';
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
  /** The conflist ADD used (conflist.ts), so DEL uses it too; absent in records made before there were several. */
  conflist?: 'plain' | 'ports';
  /**
   * `static`: the address was reserved in this journal (ipam-alloc.ts) and given to the bridge plugin
   * by the `static` IPAM plugin; the pending record already holds it. Absent: host-local chose it
   * (records made before issue #16's allocator), and DEL must ask host-local to free it.
   */
  ipam?: 'static';
  /** The final CNI ADD result, given back to the plugins as prevResult on DEL. */
  result?: unknown;
  createdAt: string;
}

/** The netns name and CNI container ID a record was attached under: DEL must use these, whatever the naming now. */
export function cniIdsOf(r: AttachmentRecord): { netnsName: string; containerId: string } {
  const netnsName = basename(r.netns);
  return { netnsName, containerId: r.containerId ?? netnsName };
}

/** The journal beside the store's path (`ipam.json` → `ipam.journal`); the path itself names the lock. */
export function journalPath(path: string): string {
  return path.replace(/\.json$/, '') + '.journal';
}

/** How many lines past twice the live records make an append compact the journal (amortised O(1)). */
const COMPACT_SLACK = 64;

/**
 * The record of every network attachment, as an append-only journal (ipam-journal.ts). Changes hold
 * the lock: they are appends, and a compaction renames a new file over the journal, which an append
 * to the old inode would miss.
 */
export class IpamStore {
  readonly journal: string;
  /**
   * The records as of `offset` bytes of the journal with inode `ino`. The journal only grows until a
   * compaction gives it a new inode, so a read parses only what was appended since (another process's
   * changes too); invoke routing and status look an address up per replica (issue #16).
   */
  private cached: Loaded | undefined;
  private migrated = false;
  /** This process's appends and compactions so far: a read begun before one may not hold it. */
  private writes = 0;
  /** The read under way, shared by callers that come while it runs (and nothing was written since). */
  private loading: { promise: Promise<Loaded>; writes: number } | undefined;

  constructor(readonly path: string) {
    this.journal = journalPath(path);
  }

  /**
   * The records now. Callers at the same moment share one read, and a journal whose inode and size
   * are what was read last is not opened: after a restart at N = 1,000 the first invocations, probes
   * and status looked addresses up ~3,000 times in a few seconds, and their open/fstat/close took
   * 0.4 s of the daemon's thread (issue #16).
   */
  private load(): Promise<Loaded> {
    const l = this.loading;
    if (l && l.writes === this.writes) return l.promise;
    const promise = this.loadNow().finally(() => {
      if (this.loading?.promise === promise) this.loading = undefined;
    });
    this.loading = { promise, writes: this.writes };
    return promise;
  }

  private async loadNow(): Promise<Loaded> {
    if (!this.migrated) await this.migrate();
    const c0 = this.cached;
    if (c0) {
      // Unchanged since the last read: one stat, no open. (A partial line leaves size past offset.)
      const st = await stat(this.journal, { bigint: true }).catch(() => undefined);
      if (st?.ino === c0.ino && Number(st.size) === c0.offset) return c0;
    }
    let fh;
    try {
      fh = await open(this.journal, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.cached = undefined;
      return { ino: 0n, offset: 0, ops: 0, byId: new Map(), cursor: {} };
    }
    let c = this.cached;
    try {
      // The open file's own inode: a compaction may rename a new journal over the path at any time.
      const st = await fh.stat({ bigint: true });
      const size = Number(st.size);
      if (c?.ino !== st.ino || size < c.offset)
        c = { ino: st.ino, offset: 0, ops: 0, byId: new Map(), cursor: {} };
      if (size > c.offset) {
        const buf = Buffer.alloc(size - c.offset);
        const { bytesRead } = await fh.read(buf, 0, buf.length, c.offset);
        // Only whole lines: an append under way is taken by the next read.
        const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
        if (end > 0) {
          const byId = new Map(c.byId);
          const cursor = { ...c.cursor };
          const ops = c.ops + applyLines(byId, buf.subarray(0, end).toString('utf8'), cursor);
          c = { ino: st.ino, offset: c.offset + end, ops, byId, cursor };
        }
      }
    } finally {
      await fh.close();
    }
    this.cached = c;
    return c;
  }

  /** Moves a store of the earlier one-file format into the journal, once per process, under the lock. */
  private async migrate(): Promise<void> {
    this.migrated = true;
    if (
      !(await access(this.path).then(
        () => true,
        () => false,
      ))
    )
      return;
    try {
      await this.withFileLock(() => migrateLegacy(this.path, this.journal));
    } catch (err) {
      this.migrated = false;
      throw err;
    }
  }

  /** Every record; callers get their own array (the records themselves are not to be changed). */
  async read(): Promise<AttachmentRecord[]> {
    return [...(await this.load()).byId.values()];
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

  /** Appends under the lock (already held), compacting when the journal has grown well past its records. */
  private async append(text: string): Promise<AttachmentRecord[]> {
    await appendDurable(this.journal, text);
    this.writes++;
    const { byId, ops, cursor } = await this.load();
    if (ops > 2 * byId.size + COMPACT_SLACK) {
      await compact(this.journal, byId.values(), cursor);
      this.cached = undefined;
      this.writes++;
    }
    return [...byId.values()];
  }

  /** Stores one record (replacing the one of its namespace and id); `after` runs under the lock with every record. */
  async put(record: AttachmentRecord, after?: (records: AttachmentRecord[]) => Promise<void>): Promise<void> {
    await this.withLock(async () => {
      const next = await this.append(putLine(record));
      if (after) await after(next);
    });
  }

  /** Removes one record; removing one that is gone succeeds. */
  async remove(
    namespace: string,
    id: string,
    after?: (records: AttachmentRecord[]) => Promise<void>,
  ): Promise<void> {
    await this.withLock(async () => {
      const next = await this.append(delLine(namespace, id));
      if (after) await after(next);
    });
  }

  /**
   * Stores the pending record of an attach through `static` with the next free address of `range`
   * (round robin after the journal's cursor), in one append under the lock: the reservation is the
   * record, so removing the record frees the address and two attaches never get the same one. Every
   * record's address is held, host-local's (older records) too. Throws AddressesExhaustedError.
   */
  async reserve(pending: AttachmentRecord, range: AddressRange): Promise<AttachmentRecord> {
    return this.withLock(async () => {
      const c = await this.load();
      const key = keyOf(pending.namespace, pending.id);
      const held = new Set<string>();
      for (const [k, r] of c.byId) if (r.ip !== undefined && k !== key) held.add(r.ip);
      const ip = range.next(held, c.cursor.last);
      const record: AttachmentRecord = {
        ...pending,
        ipam: 'static',
        ip,
        prefix: range.prefix,
        gateway: range.gateway,
      };
      await this.append(putLine(record));
      return record;
    });
  }

  /**
   * Re-keys the record of (namespace, id) as `record` in one append (a pooled netns given to a
   * container, netns-pool.ts): a crash leaves it under one key or the other, never both or neither.
   */
  async move(namespace: string, id: string, record: AttachmentRecord): Promise<void> {
    await this.withLock(async () => {
      await this.append(delLine(namespace, id) + putLine(record));
    });
  }

  /**
   * Read-modify-write of every record under the lock (tools and tests; attach and detach use put and
   * remove). `fn` returns the new records; what differs is appended. `after` runs still under the lock.
   */
  async update(
    fn: (records: AttachmentRecord[]) => AttachmentRecord[],
    after?: (records: AttachmentRecord[]) => Promise<void>,
  ): Promise<AttachmentRecord[]> {
    return this.withLock(async () => {
      const before = (await this.load()).byId;
      const next = fn([...before.values()]);
      const keys = new Set(next.map((r) => keyOf(r.namespace, r.id)));
      let text = '';
      for (const k of before.keys()) {
        const [namespace = '', id = ''] = splitKey(k);
        if (!keys.has(k)) text += delLine(namespace, id);
      }
      for (const r of next)
        if (JSON.stringify(before.get(keyOf(r.namespace, r.id))) !== JSON.stringify(r)) text += putLine(r);
      if (text) await this.append(text);
      if (after) await after(next);
      return next;
    });
  }

  async find(namespace: string, id: string): Promise<AttachmentRecord | undefined> {
    return (await this.load()).byId.get(keyOf(namespace, id));
  }
}

/** The records as of `offset` bytes of the journal with inode `ino`, and the round robin's cursor. */
interface Loaded {
  ino: bigint;
  offset: number;
  ops: number;
  byId: Map<string, AttachmentRecord>;
  cursor: Cursor;
}

/** A key back into namespace and id: a namespace never contains '/'. */
function splitKey(key: string): [string, string] {
  const at = key.indexOf('/');
  return [key.slice(0, at), key.slice(at + 1)];
}
