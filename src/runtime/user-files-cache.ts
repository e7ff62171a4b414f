import type { UserFiles } from './user.js';

/** Images whose files are kept; with MAX_ENTRY_BYTES each, at most 4 MiB. */
const MAX_ENTRIES = 64;
/** A passwd + group bigger than this is read again each time rather than kept. */
const MAX_ENTRY_BYTES = 64 * 1024;

/**
 * An image's /etc/passwd and /etc/group by its chain ID. A chain ID names the rootfs's content, so
 * what it read once is what it reads every time: a deploy of a USER app image (every OpenFaaS
 * template) mounted a view of the image for them each time (issue #16, deploy -> first 200).
 * Concurrent reads of one image share one view; a failed read is not kept.
 */
export class UserFilesCache {
  private readonly entries = new Map<string, Promise<UserFiles>>();

  /** The files of the image whose rootfs is `chainId`; `read` reads them when they are not kept. */
  get(chainId: string, read: () => Promise<UserFiles>): Promise<UserFiles> {
    // Without a chain ID there is no rootfs (and nothing to key by).
    if (!chainId) return read();
    const hit = this.entries.get(chainId);
    if (hit) {
      // Most recently used last: the first key is the one to drop.
      this.entries.delete(chainId);
      this.entries.set(chainId, hit);
      return hit;
    }
    const p = read();
    this.entries.set(chainId, p);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value ?? '');
    p.then(
      (f) => {
        if ((f.passwd?.length ?? 0) + (f.group?.length ?? 0) > MAX_ENTRY_BYTES) this.drop(chainId, p);
      },
      () => this.drop(chainId, p),
    );
    return p;
  }

  /** How many images' files are kept. */
  get size(): number {
    return this.entries.size;
  }

  private drop(chainId: string, p: Promise<UserFiles>): void {
    if (this.entries.get(chainId) === p) this.entries.delete(chainId);
  }
}
