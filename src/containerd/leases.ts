import { randomBytes } from 'node:crypto';
import type { Scope } from './scope.js';
import { isNotFound } from './errors.js';

export interface Lease {
  id: string;
  labels: Record<string, string>;
}

export class Leases {
  constructor(private readonly scope: Scope) {}

  /** A lease that containerd's GC drops by itself after `expireMs`, should we crash before deleting it. */
  async create(prefix: string, expireMs = 3600_000): Promise<string> {
    const id = `${prefix}-${Date.now()}-${randomBytes(4).toString('hex')}`;
    const expire = new Date(Date.now() + expireMs).toISOString();
    await this.scope.call('leases', 'Create', { id, labels: { 'containerd.io/gc.expire': expire } });
    return id;
  }

  async list(): Promise<Lease[]> {
    const res = await this.scope.call('leases', 'List', {});
    return res.leases;
  }

  async delete(id: string): Promise<void> {
    try {
      await this.scope.call('leases', 'Delete', { id, sync: false });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Runs `fn` while a lease keeps what it creates from garbage collection; the lease ends after. */
  async with<T>(prefix: string, fn: (lease: string) => Promise<T>): Promise<T> {
    const id = await this.create(prefix);
    try {
      return await fn(id);
    } finally {
      await this.delete(id);
    }
  }
}
