import type { Scope } from './scope.js';
import type { NamespaceRecord } from './types.js';
import { isAlreadyExists } from './errors.js';

export class Namespaces {
  constructor(private readonly scope: Scope) {}

  async list(): Promise<NamespaceRecord[]> {
    const res = await this.scope.call('namespaces', 'List', {});
    return res.namespaces;
  }

  /** From List: containerd's Get answers (with no labels) even for a namespace that does not exist. */
  async get(name: string): Promise<NamespaceRecord | undefined> {
    return (await this.list()).find((n) => n.name === name);
  }

  async create(name: string, labels: Record<string, string> = {}): Promise<void> {
    await this.scope.call('namespaces', 'Create', { namespace: { name, labels } });
  }

  /** Creates the namespace unless it exists; existing labels are left as they are. */
  async ensure(name: string, labels: Record<string, string> = {}): Promise<void> {
    try {
      await this.create(name, labels);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  /**
   * Replaces the namespace's labels. containerd 1.6 takes only per-key paths (`labels.<key>`; a bare
   * `labels` is InvalidArgument), and a key sent without a value is removed: so every old and new key.
   */
  async setLabels(name: string, labels: Record<string, string>): Promise<void> {
    const current = (await this.get(name))?.labels ?? {};
    const keys = [...new Set([...Object.keys(current), ...Object.keys(labels)])];
    if (keys.length === 0) return;
    await this.scope.call('namespaces', 'Update', {
      namespace: { name, labels },
      updateMask: { paths: keys.map((k) => `labels.${k}`) },
    });
  }

  async delete(name: string): Promise<void> {
    await this.scope.call('namespaces', 'Delete', { name });
  }
}
