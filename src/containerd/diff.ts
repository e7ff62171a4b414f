import { present, type Scope } from './scope.js';
import type { CallOptions } from './grpc.js';
import type { Descriptor, Mount } from './types.js';

export class Diff {
  constructor(private readonly scope: Scope) {}

  /** Applies a layer blob from the content store onto mounts; returns the uncompressed descriptor. */
  async apply(layer: Descriptor, mounts: Mount[], opts?: CallOptions): Promise<Descriptor> {
    const res = await this.scope.call('diff', 'Apply', { diff: layer, mounts }, opts);
    return present(res.applied, 'the applied descriptor');
  }
}
