import type { AttachmentRecord } from '../../src/network/ipam-store.js';
import type { PoolNetwork } from '../../src/network/netns-pool.js';
import type { Attachment } from '../../src/runtime/index.js';

/**
 * The network a NetnsPool works with, in memory: attach makes an attached record with a new address,
 * detach removes it. Every call is recorded in order. `gate` holds the next attaches until `open()`;
 * `failNext` makes the next attaches fail.
 */
export class FakePoolNetwork implements PoolNetwork {
  readonly calls: string[] = [];
  readonly records = new Map<string, AttachmentRecord>();
  failNext = 0;
  private nextIp = 2;
  private gate: Promise<void> | undefined;
  private release: (() => void) | undefined;
  /** Resolves each time an attach begins. */
  private began: (() => void) | undefined;

  readonly store = {
    read: (): Promise<AttachmentRecord[]> => Promise.resolve([...this.records.values()]),
    find: (namespace: string, id: string): Promise<AttachmentRecord | undefined> =>
      Promise.resolve(this.records.get(`${namespace}/${id}`)),
    move: (namespace: string, id: string, record: AttachmentRecord): Promise<void> => {
      this.calls.push(`move ${namespace}/${id} -> ${record.namespace}/${record.id}`);
      this.records.delete(`${namespace}/${id}`);
      this.records.set(`${record.namespace}/${record.id}`, record);
      return Promise.resolve();
    },
  };

  /** A record as an earlier process's attach left it. */
  plant(namespace: string, id: string, state: AttachmentRecord['state'] = 'attached'): void {
    this.records.set(`${namespace}/${id}`, {
      namespace,
      id,
      netns: `/var/run/netns/${namespace}--${id}`,
      containerId: `${namespace}--${id}`,
      ifname: 'eth0',
      state,
      ...(state === 'attached' ? { ip: `10.0.0.${this.nextIp++}` } : {}),
      createdAt: '',
    });
  }

  /** Holds attaches from now on until open(); resolves when the first held one has begun. */
  hold(): Promise<void> {
    this.gate = new Promise((r) => (this.release = r));
    return new Promise((r) => (this.began = r));
  }

  open(): void {
    this.gate = undefined;
    this.release?.();
  }

  async attachPlain(namespace: string, id: string): Promise<Attachment> {
    this.calls.push(`attach ${namespace}`);
    this.began?.();
    this.began = undefined;
    if (this.gate) await this.gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('bridge plugin failed');
    }
    this.plant(namespace, id);
    const r = this.records.get(`${namespace}/${id}`);
    return { netnsPath: r?.netns ?? '', ip: r?.ip ?? '' };
  }

  detach(namespace: string, id: string): Promise<void> {
    this.calls.push(`detach ${namespace}/${id}`);
    this.records.delete(`${namespace}/${id}`);
    return Promise.resolve();
  }

  /** Records in `namespace`. */
  in(namespace: string): AttachmentRecord[] {
    return [...this.records.values()].filter((r) => r.namespace === namespace);
  }
}
