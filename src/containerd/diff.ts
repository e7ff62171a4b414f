import type { Scope } from './scope.js';
import type { CallOptions } from './grpc.js';
import type { Descriptor, Mount } from './types.js';

export class Diff {
  constructor(private readonly s: Scope) {}

  /** Applies a layer blob from the content store onto mounts; returns the uncompressed descriptor. */
  async apply(layer: Descriptor, mounts: Mount[], opts?: CallOptions): Promise<Descriptor> {
    const res = await this.s.call<{ applied: Descriptor }>('diff', 'Apply', { diff: layer, mounts }, opts);
    return res.applied;
  }
}
