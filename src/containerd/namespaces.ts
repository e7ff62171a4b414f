import type { Scope } from './scope.js';
import type { NamespaceRecord } from './types.js';
import { isAlreadyExists, isNotFound } from './errors.js';

export class Namespaces {
  constructor(private readonly s: Scope) {}

  async list(): Promise<NamespaceRecord[]> {
    const res = await this.s.call<{ namespaces: NamespaceRecord[] }>('namespaces', 'List', {});
    return res.namespaces;
  }

  async get(name: string): Promise<NamespaceRecord | undefined> {
    try {
      const res = await this.s.call<{ namespace: NamespaceRecord }>('namespaces', 'Get', { name });
      return res.namespace;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async create(name: string, labels: Record<string, string> = {}): Promise<void> {
    await this.s.call('namespaces', 'Create', { namespace: { name, labels } });
  }

  /** Creates the namespace unless it exists; existing labels are left as they are. */
  async ensure(name: string, labels: Record<string, string> = {}): Promise<void> {
    try {
      await this.create(name, labels);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  async setLabels(name: string, labels: Record<string, string>): Promise<void> {
    await this.s.call('namespaces', 'Update', {
      namespace: { name, labels },
      updateMask: { paths: ['labels'] },
    });
  }

  async delete(name: string): Promise<void> {
    await this.s.call('namespaces', 'Delete', { name });
  }
}
