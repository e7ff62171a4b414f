import { present, type Scope } from './scope.js';
import type { CallOptions } from './grpc.js';
import type { Mount, SnapshotInfo } from './types.js';
import { isNotFound } from './errors.js';

export const DEFAULT_SNAPSHOTTER = 'overlayfs';

export class Snapshots {
  constructor(
    private readonly scope: Scope,
    readonly snapshotter = DEFAULT_SNAPSHOTTER,
  ) {}

  /** An active (writable) snapshot on `parent`: a container's rootfs, or a layer being unpacked. */
  prepare(
    key: string,
    parent: string,
    labels: Record<string, string> = {},
    opts?: CallOptions,
  ): Promise<Mount[]> {
    return this.open('Prepare', key, parent, labels, opts);
  }

  /** A read-only view of a committed snapshot (e.g. to read an image's files without changing them). */
  view(
    key: string,
    parent: string,
    labels: Record<string, string> = {},
    opts?: CallOptions,
  ): Promise<Mount[]> {
    return this.open('View', key, parent, labels, opts);
  }

  /** Prepare and View take the same request and answer the same mounts. */
  private async open(
    method: 'Prepare' | 'View',
    key: string,
    parent: string,
    labels: Record<string, string>,
    opts: CallOptions | undefined,
  ): Promise<Mount[]> {
    const res = await this.scope.call(
      'snapshots',
      method,
      { snapshotter: this.snapshotter, key, parent, labels },
      opts,
    );
    return res.mounts;
  }

  async mounts(key: string): Promise<Mount[]> {
    const res = await this.scope.call('snapshots', 'Mounts', {
      snapshotter: this.snapshotter,
      key,
    });
    return res.mounts;
  }

  async commit(
    name: string,
    key: string,
    labels: Record<string, string> = {},
    opts?: CallOptions,
  ): Promise<void> {
    await this.scope.call('snapshots', 'Commit', { snapshotter: this.snapshotter, name, key, labels }, opts);
  }

  async stat(key: string): Promise<SnapshotInfo | undefined> {
    try {
      const res = await this.scope.call('snapshots', 'Stat', {
        snapshotter: this.snapshotter,
        key,
      });
      return present(res.info, `the info of snapshot ${key}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(...filters: string[]): Promise<SnapshotInfo[]> {
    const pages = await this.scope.list('snapshots', 'List', {
      snapshotter: this.snapshotter,
      filters,
    });
    return pages.flatMap((p) => p.info);
  }

  /** Removing what is already gone succeeds. */
  async remove(key: string): Promise<void> {
    try {
      await this.scope.call('snapshots', 'Remove', { snapshotter: this.snapshotter, key });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
