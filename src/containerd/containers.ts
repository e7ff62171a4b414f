import { present, type Scope } from './scope.js';
import type { ContainerRecord } from './types.js';
import { isNotFound } from './errors.js';

export const SPEC_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Spec';
export const RUNC_RUNTIME = 'io.containerd.runc.v2';

export interface NewContainer {
  id: string;
  image: string;
  labels: Record<string, string>;
  spec: object;
  snapshotter: string;
  snapshotKey: string;
  /** The shim: a runtime name or an absolute path (runtime/shim-wrapper.ts); RUNC_RUNTIME when absent. */
  runtime?: string | undefined;
}

export class Containers {
  constructor(private readonly scope: Scope) {}

  async create(c: NewContainer): Promise<ContainerRecord> {
    const res = await this.scope.call('containers', 'Create', {
      container: {
        id: c.id,
        image: c.image,
        labels: c.labels,
        runtime: { name: c.runtime ?? RUNC_RUNTIME },
        // `type_url`, not `typeUrl`: protobufjs's Any keeps the proto field name and drops an unknown
        // key silently, which left the URL empty and made `ctr containers info` fail.
        spec: { type_url: SPEC_TYPE_URL, value: Buffer.from(JSON.stringify(c.spec)) },
        snapshotter: c.snapshotter,
        snapshotKey: c.snapshotKey,
      },
    });
    return present(res.container, 'the created container');
  }

  async get(id: string): Promise<ContainerRecord | undefined> {
    try {
      const res = await this.scope.call('containers', 'Get', { id });
      return present(res.container, `container ${id}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Filters use containerd's syntax, e.g. `labels."com.openfaas.function"`. */
  async list(...filters: string[]): Promise<ContainerRecord[]> {
    const res = await this.scope.call('containers', 'List', { filters });
    return res.containers;
  }

  async setLabels(id: string, labels: Record<string, string>): Promise<void> {
    await this.scope.call('containers', 'Update', {
      container: { id, labels },
      updateMask: { paths: ['labels'] },
    });
  }

  /** Deleting what is already gone succeeds. */
  async delete(id: string): Promise<void> {
    try {
      await this.scope.call('containers', 'Delete', { id });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export function specOf(c: ContainerRecord): Record<string, unknown> | undefined {
  if (!c.spec?.value?.length) return undefined;
  return JSON.parse(c.spec.value.toString('utf8')) as Record<string, unknown>;
}
