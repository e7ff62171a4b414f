import type { Containerd, ContainerRecord } from '../../src/containerd/index.js';
import { FUNCTION_LABEL } from '../../src/provider/deployment.js';

/**
 * One namespace's container records for a List with containerd's `id~="REGEX"` filter (the only kind
 * this fake understands; any other filter fails the test). Keeps every filter it was asked.
 */
export class FakeSlotContainers implements Pick<Containerd['containers'], 'list'> {
  private readonly records: ContainerRecord[] = [];
  readonly filters: (string | undefined)[] = [];

  add(id: string, fn?: string): this {
    this.records.push({
      id,
      labels: fn ? { [FUNCTION_LABEL]: fn } : {},
      image: 'faasd.test/fn:1',
      runtime: null,
      spec: null,
      snapshotter: 'overlayfs',
      snapshotKey: id,
    });
    return this;
  }

  list(filter?: string): Promise<ContainerRecord[]> {
    this.filters.push(filter);
    const m = /^id~="(.*)"$/.exec(filter ?? '');
    if (!m?.[1]) return Promise.reject(new Error(`FakeSlotContainers: unsupported filter ${filter}`));
    const re = new RegExp(m[1]);
    return Promise.resolve(this.records.filter((r) => re.test(r.id)));
  }
}
